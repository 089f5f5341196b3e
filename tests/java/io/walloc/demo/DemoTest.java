package io.walloc.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.walloc.assets.AssetType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The walloc command line, run in-process with standard output and error captured. */
@Timeout(120)
class DemoTest {
    private record Run(int status, String out, String err) {}

    private static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int st = Main.run(args);
            return new Run(st, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static void assertOneLineError(Run r, int status, String contains) {
        assertEquals(status, r.status(), r.toString());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, "one line: " + r.err());
        assertTrue(lines[0].contains(contains), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void helpExplainsEverything() {
        Run r = run("demo", "--help");
        assertEquals(0, r.status());
        for (String s : new String[] {"--base-url", "--capacity", "--parallelism", "--batch-size", "--budget", "--plain",
                "IMAGE -> TOP", "assets.txt", "Exit status", "--profile[=RATE]", "--leak", "leak report"}) {
            assertTrue(r.out().contains(s), "help mentions " + s + ":\n" + r.out());
        }
        Run top = run("--help");
        assertEquals(0, top.status());
        assertTrue(top.out().contains("demo"));
        assertEquals(0, run("--version").status());
    }

    @Test
    void badArgumentsGiveOneLineAndStatus2() {
        assertOneLineError(run("demo", "--bogus"), 2, "Unknown option: '--bogus'");
        assertOneLineError(run("demo", "--capacity", "12q"), 2, "'12q' is not a size");
        assertOneLineError(run("demo", "--capacity", "1k"), 2, "--capacity");
        assertOneLineError(run("demo", "--parallelism", "0"), 2, "--parallelism");
        assertOneLineError(run("demo", "--parallelism", "x"), 2, "--parallelism");
        assertOneLineError(run("demo", "--budget", "101"), 2, "--budget");
        assertOneLineError(run("demo", "--profile=0"), 2, "--profile");
        assertOneLineError(run("demo", "--profile=x"), 2, "--profile");
        assertOneLineError(run("demo", "--leak", "-1"), 2, "--leak");
        assertOneLineError(run("demo", "--base-url", "ftp://example/"), 2, "http");
        assertOneLineError(run("demo", "a.png"), 2, "need --base-url");
        assertOneLineError(run("nope"), 2, "nope");
        assertOneLineError(run(), 2, "missing command");
    }

    @Test
    void embeddedDemoLoadsEvictsAndCompacts() {
        Run r = run("demo", "--plain", "--images", "6", "--jsons", "4", "--binaries", "4", "--capacity", "128m",
                "--batch-size", "5");
        assertEquals(0, r.status(), r.toString());
        String o = r.out();
        assertTrue(o.contains("Embedded asset server on http://127.0.0.1:"), o);
        assertTrue(o.contains("Loaded 14 of 14 assets"), o);
        assertTrue(o.contains("batch 3/3"), o);
        assertTrue(o.contains("Verified 14 assets against the manifest's CRC32: all match"), o);
        assertTrue(o.contains("Tiers after loading:") && o.contains("Tiers after evicting and compacting:"), o);
        assertTrue(o.contains("Compacted: TOP head"), o);
        assertTrue(o.matches("(?s).*BOTTOM\\s+\\S+ MiB\\s+\\S+ \\S+\\s+0 B\\s+0 B.*"), "BOTTOM emptied:\n" + o);
        assertFalse(o.contains("\033"), "plain output has no escape codes");
        assertEquals("", r.err());
    }

    @Test
    void profilePrintsTopSitesAfterLoadingAndNoLeaksAtExit() {
        Run r = run("demo", "--plain", "--profile", "--images", "6", "--jsons", "4", "--binaries", "4", "--capacity", "64m");
        assertEquals(0, r.status(), r.toString());
        String o = r.out();
        assertTrue(o.contains("Top sites by live bytes (profile: every allocation sampled; 15 sites)"), o);
        // each tier lists its assets by path, the largest first
        assertTrue(o.matches("(?s).*\\n  TOP\\n\\s+\\S+ [KM]iB\\s+1 block\\s+asset:images/img\\d+_\\d+x\\d+\\.bmp\\n.*"), o);
        assertTrue(o.matches("(?s).*\\n  MIDDLE\\n\\s+\\S+ [KM]iB\\s+1 block\\s+asset:bin/.*"), o);
        assertTrue(o.matches("(?s).*\\n  MIDDLE\\n(\\s+\\S+ [KM]iB\\s+1 block\\s+asset:\\S+\\n)+\\s+\\S+ [KM]iB\\s+at \\d+ more sites\\n.*"), o);
        // the manifest is text: BOTTOM (JSON lives as long as the scene: MIDDLE, asset_types.json)
        assertTrue(o.matches("(?s).*\\n  BOTTOM\\n\\s+\\S+ (B|KiB)\\s+1 block\\s+asset:assets\\.txt\\n.*"), o);
        assertTrue(o.indexOf("Top sites") > o.indexOf("Tiers after loading:") && o.indexOf("Top sites") < o.indexOf("Evicted"), o);
        assertTrue(o.strip().endsWith("Leak report at close: no sampled block was left live."), o);
        assertEquals("", r.err());
    }

    @Test
    void leakLeavesBlocksThatTheReportAtExitNames() {
        Run r = run("demo", "--plain", "--leak", "3", "--images", "2", "--jsons", "2", "--binaries", "2", "--capacity", "64m");
        assertEquals(0, r.status(), r.toString());
        String o = r.out();
        assertTrue(o.contains("Top sites by live bytes"), "--leak turns the profile on: " + o);
        assertTrue(o.contains("Left 3 blocks of 64.0 KiB in BOTTOM unfreed (--leak)"), o);
        String report = o.substring(o.indexOf("Leak report at close:"));
        assertTrue(report.contains("closed with 3 sampled blocks (196608 bytes) still live at 1 site; every allocation was sampled"),
                report);
        assertTrue(report.contains("BOTTOM: 3 blocks, 196608 bytes"), report);
        assertTrue(report.contains("io.walloc.demo.DemoCommand.leakBlocks(DemoCommand.java:"), report);
        assertFalse(report.contains("asset:"), "every asset was freed: " + report);
        assertFalse(o.contains("no sampled block was left live"), o);
    }

    @Test
    void budgetLetsTheDemoStreamMoreThanFits() {
        // 100 images (~80 MiB) through a 32 MiB TOP tier with an 80 % budget
        Run r = run("demo", "--plain", "--images", "100", "--jsons", "0", "--binaries", "0", "--capacity", "64m",
                "--budget", "80", "--parallelism", "4", "--seed", "2");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("Loaded 100 of 100 assets"), r.out());
        assertTrue(r.out().contains("Budgets evicted"), r.out());
    }

    @Test
    void fullTiersFailLoadsWithStatus1() {
        Run r = run("demo", "--plain", "--images", "30", "--jsons", "0", "--binaries", "0", "--capacity", "4m", "--seed", "7");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.out().contains("failed: loading 'images/"), r.out());
        assertTrue(r.out().contains("no room"), r.out());
    }

    @Test
    void baseUrlLoadsFromAnotherServer() throws Exception {
        try (SampleServer s = new SampleServer(0, 2, 2, 2, 99)) {
            Run all = run("demo", "--plain", "--base-url", s.baseUrl().toString(), "--capacity", "64m");
            assertEquals(0, all.status(), all.toString());
            assertTrue(all.out().contains("Loaded 6 of 6 assets"), all.out());
            assertTrue(all.out().contains("Verified 6 assets"), all.out());
            assertFalse(all.out().contains("Embedded asset server"), all.out());

            String p = s.samples().get(0).path();
            Run some = run("demo", "--plain", "--base-url", s.baseUrl().toString(), p, "missing/x.bin");
            assertEquals(1, some.status(), some.toString());
            assertTrue(some.out().contains("Loaded 1 of 2 assets"), some.out());
            assertTrue(some.out().contains("HTTP status 404"), some.out());
        }
        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        assertOneLineError(run("demo", "--base-url", "http://127.0.0.1:" + port + "/"), 1, "cannot connect");
    }

    @Test
    void manifestTypesAreAssetTypesNamesAndExtensions() throws Exception {
        // one line per tier by name (any case), and by extension: mesh and audio as asset_types.json says
        String manifest = "# path type size\nm/ship.glb\nsfx/boom.ogg\nnotes.txt TEXT 30\nlut.bin gpu\n";
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        s.createContext("/", x -> {
            String p = x.getRequestURI().getPath().substring(1);
            byte[] body = p.equals("assets.txt") ? manifest.getBytes(StandardCharsets.UTF_8) : new byte[30];
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        s.start();
        try {
            Run r = run("demo", "--plain", "--capacity", "16m", "--base-url",
                    "http://127.0.0.1:" + s.getAddress().getPort() + "/");
            assertEquals(0, r.status(), r.toString());
            assertTrue(r.out().contains("Loaded 4 of 4 assets"), r.out());
            // after loading: TOP the mesh and the GPU table, MIDDLE the audio, BOTTOM the text and the manifest
            assertTrue(r.out().matches("(?s).*Tiers after loading:\n.*\nTOP .* 2\nMIDDLE .* 1\nBOTTOM .* 2\n.*"), r.out());
        } finally {
            s.stop(0);
        }
    }

    @Test
    void samplesAreWhatTheManifestSays() throws Exception {
        try (SampleServer s = new SampleServer(0, 3, 3, 3, 5)) {
            String manifest = get(s.baseUrl().resolve("assets.txt"));
            for (SampleServer.Sample x : s.samples()) {
                assertTrue(manifest.contains(x.path() + " " + x.type() + " " + x.size() + " " + Long.toHexString(x.crc32())));
                byte[] body = SampleServer.generate(x.path(), x.type(), x.size());
                CRC32 c = new CRC32();
                c.update(body);
                assertEquals(x.crc32(), c.getValue());
                if (x.type() == AssetType.IMAGE) {
                    assertEquals('B', body[0]);
                    assertEquals('M', body[1]);
                } else if (x.type() == AssetType.JSON) {
                    assertEquals('[', body[0]);
                    assertEquals(']', body[body.length - 1]);
                }
            }
            SampleServer.Sample first = s.samples().get(0);
            assertArrayEquals(SampleServer.generate(first.path(), first.type(), first.size()),
                    getBytes(s.baseUrl().resolve(first.path())));
        }
    }

    private static String get(URI u) throws IOException {
        return new String(getBytes(u), StandardCharsets.UTF_8);
    }

    private static byte[] getBytes(URI u) throws IOException {
        try (InputStream in = u.toURL().openStream()) {
            return in.readAllBytes();
        }
    }

    @Test
    void sizesParse() {
        assertEquals(65536, Format.parseSize("64k"));
        assertEquals(256L << 20, Format.parseSize("256m"));
        assertEquals(256L << 20, Format.parseSize("256MiB"));
        assertEquals(1L << 30, Format.parseSize("1g"));
        assertEquals(1536, Format.parseSize("1.5k"));
        assertEquals(100, Format.parseSize("100"));
        assertEquals("1.0 MiB", Format.bytes(1 << 20));
    }
}
