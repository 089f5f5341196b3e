package io.walloc.assets;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 keep-alive server on 127.0.0.1 that counts the requests in flight exactly: a request
 * is in flight from the moment it is read until its response is written, or until its connection
 * is found closed by the client. It answers nothing by itself: {@link #release(int)} lets the n
 * oldest requests waiting get their response ({@code Content-Length: 100}, the body is
 * {@link TestServer#bytes} of the path's last segment).
 *
 * <p>One thread serves every connection through a selector and, in each round, takes the
 * connections the clients closed out of the count before it counts the requests that arrived, so
 * a client that closes one connection and then sends a request on another is never counted twice
 * at once. {@link #maxInFlight()} is the most requests ever in flight together.
 */
final class HoldingServer implements AutoCloseable {
    static final int BODY = 100;

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread thread;
    private final Object lock = new Object();
    private final ArrayDeque<SocketChannel> waiting = new ArrayDeque<>(); // one entry per request held
    private int released; // responses allowed and not yet sent
    private int inFlight;
    private int maxInFlight;
    private int total;
    private volatile int accepted;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private volatile boolean closed;

    HoldingServer() throws IOException {
        selector = Selector.open();
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        thread = new Thread(this::loop, "holding-server");
        thread.setDaemon(true);
        thread.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.socket().getLocalPort() + "/");
    }

    /** Lets the n oldest waiting requests (now or later) get their response. */
    void release(int n) {
        synchronized (lock) {
            released += n;
        }
        selector.wakeup();
    }

    int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    int maxInFlight() {
        synchronized (lock) {
            return maxInFlight;
        }
    }

    /** Requests received so far. */
    int total() {
        synchronized (lock) {
            return total;
        }
    }

    /** What the server saw and holds, for messages. */
    @Override
    public String toString() {
        synchronized (lock) {
            return "HoldingServer[accepted " + accepted + ", open " + (selector.keys().size() - 1) + ", total " + total + ", in flight " + inFlight + " (most " + maxInFlight + "), held "
                    + waiting.size() + ", released " + released + ", hits " + new java.util.TreeMap<>(hits) + "]";
        }
    }

    int hits(String path) {
        AtomicInteger n = hits.get("/" + path);
        return n == null ? 0 : n.get();
    }

    /** Per connection: bytes of a request not complete yet, and how many of its requests are held. */
    private static final class Conn {
        final StringBuilder pending = new StringBuilder();
        int held;
    }

    private void loop() {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        try {
            while (!closed) {
                selector.select(50);
                List<String> arrived = new ArrayList<>(); // the path of each request read, its channel below
                List<SocketChannel> arrivedOn = new ArrayList<>();
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext();) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.isAcceptable()) {
                        SocketChannel c = server.accept();
                        if (c != null) {
                            accepted++;
                            c.configureBlocking(false);
                            c.register(selector, SelectionKey.OP_READ, new Conn());
                        }
                        continue;
                    }
                    SocketChannel c = (SocketChannel) k.channel();
                    Conn conn = (Conn) k.attachment();
                    buf.clear();
                    int n;
                    try {
                        n = c.read(buf);
                    } catch (IOException reset) {
                        n = -1;
                    }
                    if (n < 0) {
                        drop(k, c, conn); // closed by the client: out of the count first
                        continue;
                    }
                    conn.pending.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
                    int end;
                    while ((end = conn.pending.indexOf("\r\n\r\n")) >= 0) {
                        String head = conn.pending.substring(0, end);
                        conn.pending.delete(0, end + 4);
                        arrived.add(head.split(" ", 3)[1]);
                        arrivedOn.add(c);
                    }
                }
                synchronized (lock) {
                    for (int i = 0; i < arrived.size(); i++) {
                        SocketChannel c = arrivedOn.get(i);
                        if (!c.isOpen()) {
                            continue;
                        }
                        String path = arrived.get(i);
                        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                        total++;
                        inFlight++;
                        maxInFlight = Math.max(maxInFlight, inFlight);
                        ((Conn) c.keyFor(selector).attachment()).held++;
                        waiting.add(c);
                        paths.put(c, path);
                    }
                    answer();
                }
            }
        } catch (IOException e) {
            // closing
        } finally {
            for (SelectionKey k : selector.keys()) {
                try {
                    k.channel().close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    private final Map<SocketChannel, String> paths = new ConcurrentHashMap<>(); // the last request's path

    /* Holding lock: sends the responses released so far, oldest request first. */
    private void answer() {
        while (released > 0 && !waiting.isEmpty()) {
            SocketChannel c = waiting.poll();
            if (!c.isOpen()) {
                continue;
            }
            String path = paths.get(c);
            String name = path.substring(path.lastIndexOf('/') + 1);
            byte[] body = TestServer.bytes(name, BODY);
            ByteBuffer out = ByteBuffer.allocate(200 + BODY);
            out.put(("HTTP/1.1 200 OK\r\nContent-Type: application/x-test\r\nContent-Length: " + BODY + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.put(body).flip();
            try {
                while (out.hasRemaining()) {
                    c.write(out); // a few hundred bytes into an idle socket: written at once
                }
            } catch (IOException e) {
                // the client went away meanwhile: counted out when its close is read
                continue;
            }
            released--;
            ((Conn) c.keyFor(selector).attachment()).held--;
            inFlight--;
        }
    }

    private void drop(SelectionKey k, SocketChannel c, Conn conn) throws IOException {
        k.cancel();
        c.close();
        synchronized (lock) {
            inFlight -= conn.held;
            conn.held = 0;
            waiting.removeIf(x -> x == c);
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(5000);
            server.close();
            selector.close();
        } catch (IOException | InterruptedException ignored) {
            // closing anyway
        }
    }
}
