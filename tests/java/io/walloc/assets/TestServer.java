package io.walloc.assets;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 that misbehaves on purpose. Every path is
 * {@code /<mode>/<size>/<name>}; the body is {@link #bytes(String, int)} of the name.
 * <ul>
 *   <li>{@code fixed}: Content-Length, whole body</li>
 *   <li>{@code chunked}: no length (chunked), 7 KiB pieces</li>
 *   <li>{@code slow}: chunked, 4 KiB pieces 20 ms apart</li>
 *   <li>{@code short}: declares size, sends half, closes</li>
 *   <li>{@code stall}: declares size, sends 1 KiB, then waits forever</li>
 *   <li>{@code silent}: never answers</li>
 *   <li>{@code status}: answers with status {@code size}</li>
 *   <li>{@code gated}: waits for {@link #open()} before answering like fixed</li>
 *   <li>{@code steps}: Content-Length, then the body in 4 KiB pieces, each sent only when
 *       {@link #send(String, int)} allowed it for that name</li>
 *   <li>{@code stepschunked}: like steps, without a length (chunked)</li>
 * </ul>
 * Two raw servers misbehave below HTTP: {@link #shortBase()} sends bodies shorter than their
 * {@code Content-Length}, {@link #longBase()} longer ones.
 */
final class TestServer implements AutoCloseable {
    static {
        // small responses otherwise wait ~40 ms each for Nagle's algorithm and delayed ACKs
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-http");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final CountDownLatch forever = new CountDownLatch(1);
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();

    private final java.net.ServerSocket raw;
    private final java.net.ServerSocket longRaw;
    /** Connections {@link #longBase()} accepted. */
    final AtomicInteger longConnections = new AtomicInteger();

    TestServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
        raw = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.execute(this::rawLoop);
        longRaw = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.execute(this::longLoop);
    }

    /**
     * A raw keep-alive server whose bodies are longer than their {@code Content-Length}. Paths are
     * {@code /<size>/<surplus>/<name>}: the body is {@code bytes(name, size + surplus)}, the
     * response declares {@code Content-Length: <size>}. The first {@code size} bytes follow the
     * headers; the {@code surplus} bytes go out on the same connection right before the next
     * response (so a client that reuses the connection finds them where that response's status
     * line should be), or never when no other request comes. The bytes on the wire are those of a
     * server that sends the whole longer body; only their timing is fixed, so that what the
     * client does with them is always the same.
     */
    URI longBase() {
        return URI.create("http://127.0.0.1:" + longRaw.getLocalPort() + "/");
    }

    private void longLoop() {
        while (!longRaw.isClosed()) {
            java.net.Socket s;
            try {
                s = longRaw.accept();
            } catch (IOException e) {
                return;
            }
            longConnections.incrementAndGet();
            pool.execute(() -> serveLong(s));
        }
    }

    private static void serveLong(java.net.Socket s) {
        try (s) {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            byte[] pending = new byte[0];
            String line;
            while ((line = in.readLine()) != null) {
                String l;
                while ((l = in.readLine()) != null && !l.isEmpty()) {
                    // skip headers
                }
                String[] parts = line.split(" ")[1].split("/", 4);
                int size = Integer.parseInt(parts[1]);
                int surplus = Integer.parseInt(parts[2]);
                byte[] body = bytes(parts[3], size + surplus);
                java.io.ByteArrayOutputStream msg = new java.io.ByteArrayOutputStream();
                msg.write(pending);
                msg.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-test\r\nContent-Length: " + size + "\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                msg.write(body, 0, size);
                out.write(msg.toByteArray());
                out.flush();
                pending = java.util.Arrays.copyOfRange(body, size, size + surplus);
            }
        } catch (IOException | RuntimeException e) {
            // the client closed the connection
        }
    }

    /**
     * A raw server (com.sun.net.httpserver keeps the connection open when a handler writes fewer
     * bytes than it declared): every request gets {@code Content-Length: <size>} and half the body,
     * then the connection closes. Paths are {@code /<size>/<name>}.
     */
    URI shortBase() {
        return URI.create("http://127.0.0.1:" + raw.getLocalPort() + "/");
    }

    private void rawLoop() {
        while (!raw.isClosed()) {
            try (java.net.Socket s = raw.accept()) {
                java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                        java.nio.charset.StandardCharsets.ISO_8859_1));
                String line = in.readLine();
                String l;
                while ((l = in.readLine()) != null && !l.isEmpty()) {
                    // skip headers
                }
                String[] parts = line.split(" ")[1].split("/", 3);
                int size = Integer.parseInt(parts[1]);
                byte[] body = bytes(parts[2], size);
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n").getBytes(
                        java.nio.charset.StandardCharsets.ISO_8859_1));
                out.write(body, 0, size / 2);
                out.flush();
            } catch (IOException | RuntimeException e) {
                // closed, or a client that went away
            }
        }
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    int hits(String path) {
        AtomicInteger n = hits.get("/" + path);
        return n == null ? 0 : n.get();
    }

    void open() {
        gate.countDown();
    }

    private final Map<String, java.util.concurrent.Semaphore> pieces = new ConcurrentHashMap<>();

    /** Lets a {@code steps} body of that name send n more 4 KiB pieces. */
    void send(String name, int n) {
        pieces.computeIfAbsent(name, k -> new java.util.concurrent.Semaphore(0)).release(n);
    }

    static byte[] bytes(String name, int size) {
        byte[] b = new byte[size];
        int h = name.hashCode();
        for (int i = 0; i < size; i++) {
            h = h * 1103515245 + 12345;
            b[i] = (byte) (h >>> 16);
        }
        return b;
    }

    private void handle(HttpExchange ex) throws IOException {
        String p = ex.getRequestURI().getRawPath();
        hits.computeIfAbsent(p, k -> new AtomicInteger()).incrementAndGet();
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            String[] parts = p.split("/", 4);
            if (parts.length < 4) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            String mode = parts[1];
            int size = Integer.parseInt(parts[2]);
            byte[] body = bytes(parts[3], size);
            OutputStream out;
            switch (mode) {
                case "gated":
                    gate.await(10, TimeUnit.SECONDS);
                    // fall through
                case "fixed":
                    ex.getResponseHeaders().set("Content-Type", "application/x-test");
                    ex.sendResponseHeaders(200, size == 0 ? -1 : size);
                    out = ex.getResponseBody();
                    out.write(body);
                    out.close();
                    break;
                case "chunked":
                case "slow":
                    ex.sendResponseHeaders(200, 0);
                    out = ex.getResponseBody();
                    int piece = mode.equals("slow") ? 4096 : 7 << 10;
                    for (int i = 0; i < size; i += piece) {
                        out.write(body, i, Math.min(piece, size - i));
                        out.flush();
                        if (mode.equals("slow")) {
                            Thread.sleep(20);
                        }
                    }
                    out.close();
                    break;
                case "short":
                    ex.sendResponseHeaders(200, size);
                    out = ex.getResponseBody();
                    out.write(body, 0, size / 2);
                    out.flush();
                    ex.getHttpContext().getServer();
                    // closing the exchange without the declared bytes makes the server drop the connection
                    try {
                        out.close();
                    } catch (IOException expected) {
                        // "insufficient bytes written to stream"
                    }
                    ex.close();
                    break;
                case "steps":
                case "stepschunked":
                    ex.sendResponseHeaders(200, mode.equals("steps") ? size : 0);
                    out = ex.getResponseBody();
                    java.util.concurrent.Semaphore allowed = pieces.computeIfAbsent(parts[3],
                            k -> new java.util.concurrent.Semaphore(0));
                    for (int i = 0; i < size; i += 4096) {
                        if (!allowed.tryAcquire(10, TimeUnit.SECONDS)) {
                            return; // never allowed: the test went elsewhere
                        }
                        out.write(body, i, Math.min(4096, size - i));
                        out.flush();
                    }
                    out.close();
                    break;
                case "stall":
                    ex.sendResponseHeaders(200, size);
                    out = ex.getResponseBody();
                    out.write(body, 0, 1024);
                    out.flush();
                    forever.await(30, TimeUnit.SECONDS);
                    break;
                case "silent":
                    forever.await(30, TimeUnit.SECONDS);
                    break;
                case "status":
                    byte[] msg = ("status " + size).getBytes();
                    ex.sendResponseHeaders(size, msg.length);
                    ex.getResponseBody().write(msg);
                    ex.close();
                    break;
                default:
                    ex.sendResponseHeaders(404, -1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away (cancellation, time-out): expected in several tests
        } finally {
            inFlight.decrementAndGet();
            ex.close();
        }
    }

    @Override
    public void close() {
        forever.countDown();
        gate.countDown();
        server.stop(0);
        try {
            raw.close();
            longRaw.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        pool.shutdownNow();
    }
}
