package io.walloc.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.walloc.assets.AssetType;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32;

/**
 * The demo's embedded asset server on 127.0.0.1: generated sample assets (BMP images, JSON
 * documents, binary blobs; a few KB to several MB), made deterministically from a seed and held
 * in memory, plus a manifest {@code assets.txt}
 * listing {@code path type size crc32} per line. Images and binaries are sent with a
 * {@code Content-Length}; JSON is sent chunked, without one, so both of the loader's paths run.
 *
 * <p>Thread safety: immutable after construction; requests are served on a small thread pool.
 */
public final class SampleServer implements AutoCloseable {
    static {
        // small responses otherwise wait ~40 ms each for Nagle's algorithm and delayed ACKs
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** One generated asset. */
    public record Sample(String path, AssetType type, int size, long crc32) {}

    private final HttpServer server;
    private final ExecutorService pool;
    private final Map<String, Sample> samples = new LinkedHashMap<>();
    private final Map<String, byte[]> bodies = new HashMap<>();
    private final byte[] manifest;

    /**
     * Generates the samples and starts serving them.
     *
     * @param port the port on 127.0.0.1, 0 for any free one
     * @param images how many images
     * @param jsons how many JSON documents
     * @param binaries how many binaries
     * @param seed the generator's seed
     * @throws IOException when the port cannot be bound
     */
    public SampleServer(int port, int images, int jsons, int binaries, long seed) throws IOException {
        Random r = new Random(seed);
        List<Sample> all = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            // square BMPs from 64x64 (12 KB) to 1280x1280 (4.7 MB), log-uniform in size
            int side = (int) Math.round(16 * Math.pow(2, r.nextDouble() * 4.32)) * 4;
            all.add(sample(String.format("images/img%03d_%dx%d.bmp", i, side, side), AssetType.IMAGE, 54 + 3 * side * side,
                    bodies));
        }
        for (int i = 0; i < jsons; i++) {
            int size = (int) (2048 * Math.pow(2, r.nextDouble() * 9)); // 2 KB .. 1 MB
            all.add(sample(String.format("json/doc%03d.json", i), AssetType.JSON, size, bodies));
        }
        for (int i = 0; i < binaries; i++) {
            int size = (int) (4096 * Math.pow(2, r.nextDouble() * 11)); // 4 KB .. 8 MB
            all.add(sample(String.format("bin/blob%03d.bin", i), AssetType.BINARY, size, bodies));
        }
        Collections.shuffle(all, r);
        StringBuilder m = new StringBuilder("# path type size crc32 (Walloc demo sample assets)\n");
        for (Sample s : all) {
            samples.put(s.path(), s);
            m.append(s.path()).append(' ').append(s.type()).append(' ').append(s.size()).append(' ')
                    .append(Long.toHexString(s.crc32())).append('\n');
        }
        manifest = m.toString().getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        pool = Executors.newFixedThreadPool(8, run -> {
            Thread t = new Thread(run, "walloc-demo-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    private static Sample sample(String path, AssetType type, int size, Map<String, byte[]> bodies) {
        byte[] body = generate(path, type, size);
        bodies.put(path, body);
        CRC32 crc = new CRC32();
        crc.update(body);
        return new Sample(path, type, size, crc.getValue());
    }

    /** A sample's bytes, made from its path: the same path and size always give the same bytes. */
    static byte[] generate(String path, AssetType type, int size) {
        byte[] b = new byte[size];
        switch (type) {
            case IMAGE:
                bmp(path, b);
                break;
            case JSON:
                json(path, b);
                break;
            default:
                ByteBuffer bb = ByteBuffer.wrap(b);
                long x = path.hashCode() * 0x9E3779B97F4A7C15L | 1;
                while (bb.remaining() >= 8) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    bb.putLong(x);
                }
                while (bb.hasRemaining()) {
                    bb.put((byte) x);
                    x >>>= 8;
                }
        }
        return b;
    }

    /* A 24-bit BMP with a gradient: 54-byte header, then side rows of 3 * side bytes (side is a
     * multiple of 4, so rows need no padding). */
    private static void bmp(String path, byte[] b) {
        int side = (int) Math.round(Math.sqrt((b.length - 54) / 3.0));
        b[0] = 'B';
        b[1] = 'M';
        le(b, 2, b.length);
        le(b, 10, 54);
        le(b, 14, 40);
        le(b, 18, side);
        le(b, 22, side);
        b[26] = 1;
        b[28] = 24;
        le(b, 34, b.length - 54);
        int seed = path.hashCode();
        int p = 54;
        for (int y = 0; y < side && p + 3 <= b.length; y++) {
            for (int x = 0; x < side && p + 3 <= b.length; x++) {
                b[p++] = (byte) (x * 255 / side);
                b[p++] = (byte) (y * 255 / side);
                b[p++] = (byte) ((x ^ y) + seed);
            }
        }
    }

    private static void le(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    /* A JSON array of objects, padded with spaces to the exact size. */
    private static void json(String path, byte[] b) {
        java.util.Arrays.fill(b, (byte) ' ');
        b[0] = '[';
        b[b.length - 1] = ']';
        int p = 1;
        for (int rec = 0;; rec++) {
            byte[] r = ((rec == 0 ? "" : ",") + "{\"id\":" + rec + ",\"name\":\"" + Integer.toHexString(path.hashCode() ^ rec)
                    + "\",\"v\":[" + rec % 7 + "," + rec % 11 + "," + rec % 13 + "]}\n").getBytes(StandardCharsets.US_ASCII);
            if (p + r.length > b.length - 1) {
                break;
            }
            System.arraycopy(r, 0, b, p, r.length);
            p += r.length;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String p = ex.getRequestURI().getPath();
            p = p.startsWith("/") ? p.substring(1) : p;
            if (!ex.getRequestMethod().equals("GET")) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            if (p.equals("assets.txt")) {
                ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                ex.sendResponseHeaders(200, manifest.length);
                ex.getResponseBody().write(manifest);
                return;
            }
            Sample s = samples.get(p);
            if (s == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            String ct = s.type() == AssetType.IMAGE ? "image/bmp" : s.type() == AssetType.JSON ? "application/json"
                    : "application/octet-stream";
            ex.getResponseHeaders().set("Content-Type", ct);
            ex.sendResponseHeaders(200, s.type() == AssetType.JSON ? 0 : s.size()); // JSON: chunked, no length
            OutputStream out = ex.getResponseBody();
            byte[] body = bodies.get(p);
            for (int off = 0; off < body.length; off += 256 << 10) {
                out.write(body, off, Math.min(256 << 10, body.length - off));
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** @return the server's base URL, {@code http://127.0.0.1:PORT/} */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** @return the samples, in manifest order */
    public List<Sample> samples() {
        return List.copyOf(samples.values());
    }

    /** @return the sum of the samples' sizes */
    public long totalBytes() {
        long t = 0;
        for (Sample s : samples.values()) {
            t += s.size();
        }
        return t;
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
