package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walloc.Tier;
import io.walloc.Walloc;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class AssetLoaderTest extends AssetTestBase {
    private TestServer server;
    private Walloc w;
    private AssetRegistry reg;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        w = open(64L << 20);
        reg = closeAfter(new AssetRegistry(w));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private AssetLoader loader(Duration timeout) {
        return closeAfter(AssetLoader.builder(server.base(), reg).timeout(timeout).build());
    }

    private AssetLoader loader() {
        return loader(Duration.ofSeconds(10));
    }

    /** The load fails with this reason, the message names the path, and nothing is registered or live. */
    private AssetLoadException failsWith(CompletableFuture<Asset> f, String path, AssetLoadException.Reason reason) {
        CompletionException ce = assertThrows(CompletionException.class, f::join);
        AssetLoadException e = assertInstanceOf(AssetLoadException.class, ce.getCause(), () -> "cause: " + ce.getCause());
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(path, e.path());
        assertTrue(e.getMessage().contains("'" + path + "'"), e.getMessage());
        assertFalse(reg.contains(path), "a failed load registers nothing");
        assertNoLive(w, "after the failed load of " + path);
        return e;
    }

    @Test
    void knownLengthIsStreamedIntoTheBlock() {
        AssetLoader l = loader();
        Asset a = l.load("fixed/300000/tex.png", AssetType.IMAGE).join();
        assertArrayEquals(TestServer.bytes("tex.png", 300_000), a.readAll());
        assertEquals(Tier.TOP, a.tier());
        assertEquals(300_000, a.size());
        assertEquals(300_000, a.blockSize(), "a known length is allocated exactly");
        assertEquals("application/x-test", a.contentType());
        assertEquals(server.base().resolve("fixed/300000/tex.png"), a.source());
        assertTrue(a.loadTime().toNanos() > 0);
        assertSame(a, reg.get("fixed/300000/tex.png"));
        assertEquals(1, w.tierStats(Tier.TOP).liveBlocks());

        Asset j = l.load("fixed/700/notes.txt", AssetType.TEXT).join();
        assertEquals(Tier.BOTTOM, j.tier());
        assertEquals(Tier.MIDDLE, l.load("fixed/700/scene.json", AssetType.JSON).join().tier());
        Asset m = l.load("fixed/5000/mesh.bin", AssetType.JSON, Tier.MIDDLE).join();
        assertEquals(Tier.MIDDLE, m.tier());
        Asset empty = l.load("fixed/0/empty.bin", AssetType.BINARY).join();
        assertEquals(0, empty.size());
    }

    @Test
    void knownLengthTakesTheWholeBlockBeforeTheBodyArrives() throws Exception {
        AssetLoader l = loader();
        // stall: Content-Length 100000, 1 KiB of body, then nothing
        CompletableFuture<Asset> f = l.load("stall/100000/early.bin", AssetType.BINARY);
        waitFor(() -> w.tierStats(Tier.MIDDLE).liveBlocks() > 0);
        assertEquals(1, w.tierStats(Tier.MIDDLE).liveBlocks(), "a block while the body is still coming");
        assertEquals(reg.footprint(100_000, Tier.MIDDLE), w.tierStats(Tier.MIDDLE).liveBytes(),
                "the block has the declared size from the start");
        assertFalse(f.isDone());
        assertTrue(f.cancel(true));
        assertNoLive(w, "after cancelling the stalled load");
    }

    @Test
    void chunkedBodyWithoutLengthGrowsThenShrinks() {
        AssetLoader l = loader();
        for (int size : new int[] {1, 1000, 65_536, 65_537, 300_000, 3_000_000}) {
            String p = "chunked/" + size + "/blob.bin";
            Asset a = l.load(p, AssetType.BINARY).join();
            assertArrayEquals(TestServer.bytes("blob.bin", size), a.readAll(), p);
            assertTrue(a.blockSize() >= size && a.blockSize() <= size + Math.max(4096, size / 8), p + ": block " + a.blockSize());
            assertEquals(1, w.tierStats(Tier.MIDDLE).liveBlocks(), "growth left no block behind");
            reg.evict(p);
        }
    }

    @Test
    void slowBodyThatKeepsMovingIsNotTimedOut() {
        AssetLoader l = loader(Duration.ofMillis(400));
        Asset a = l.load("slow/122880/slow.bin", AssetType.BINARY).join(); // 30 pieces, 20 ms apart
        assertArrayEquals(TestServer.bytes("slow.bin", 122_880), a.readAll());
        assertTrue(a.loadTime().toMillis() >= 400, "took " + a.loadTime());
    }

    @Test
    void connectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        AssetLoader l = closeAfter(AssetLoader.builder(URI.create("http://127.0.0.1:" + port + "/"), reg).build());
        AssetLoadException e = failsWith(l.load("a.png", AssetType.IMAGE), "a.png", AssetLoadException.Reason.CONNECTION);
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void httpErrorStatus() {
        AssetLoader l = loader();
        AssetLoadException e = failsWith(l.load("status/404/missing.png", AssetType.IMAGE), "status/404/missing.png",
                AssetLoadException.Reason.HTTP_STATUS);
        assertEquals(404, e.status());
        assertTrue(e.getMessage().contains("404"), e.getMessage());
        assertEquals(500, failsWith(l.load("status/500/x.json", AssetType.JSON), "status/500/x.json",
                AssetLoadException.Reason.HTTP_STATUS).status());
        assertEquals(302, failsWith(l.load("status/302/x.json", AssetType.JSON), "status/302/x.json",
                AssetLoadException.Reason.HTTP_STATUS).status());
    }

    @Test
    void timeOutWithoutAnswerAndInTheMiddleOfTheBody() {
        AssetLoader l = loader(Duration.ofMillis(300));
        failsWith(l.load("silent/10/x.bin", AssetType.BINARY), "silent/10/x.bin", AssetLoadException.Reason.TIMEOUT);
        AssetLoadException e = failsWith(l.load("stall/100000/x.bin", AssetType.BINARY), "stall/100000/x.bin",
                AssetLoadException.Reason.TIMEOUT);
        assertTrue(e.getMessage().contains("time-out"), e.getMessage());
    }

    @Test
    void bodyShorterThanDeclared() {
        AssetLoader l = loader();
        AssetLoader raw = closeAfter(AssetLoader.builder(server.shortBase(), reg).build());
        AssetLoadException e = failsWith(raw.load("100000/x.png", AssetType.IMAGE), "100000/x.png",
                AssetLoadException.Reason.TRUNCATED);
        assertTrue(e.getMessage().contains("before the body was complete"), e.getMessage());
        failsWith(l.load(LoadRequest.of("chunked/1000/y.bin", AssetType.BINARY).withExpectedSize(2000)), "chunked/1000/y.bin",
                AssetLoadException.Reason.TRUNCATED);
    }

    @Test
    void bodyLongerThanDeclared() {
        AssetLoader l = loader();
        // chunked body that runs past the size the request expects
        AssetLoadException e = failsWith(l.load(LoadRequest.of("chunked/100000/x.bin", AssetType.BINARY).withExpectedSize(50_000)),
                "chunked/100000/x.bin", AssetLoadException.Reason.TOO_LONG);
        assertTrue(e.getMessage().contains("50000"), e.getMessage());
        // Content-Length larger than expected
        failsWith(l.load(LoadRequest.of("fixed/100000/y.bin", AssetType.BINARY).withExpectedSize(99_999)), "fixed/100000/y.bin",
                AssetLoadException.Reason.TOO_LONG);
        // past the loader's size limit
        AssetLoader small = closeAfter(AssetLoader.builder(server.base(), reg).maxBodySize(100_000).build());
        failsWith(small.load("chunked/200000/z.bin", AssetType.BINARY), "chunked/200000/z.bin", AssetLoadException.Reason.TOO_LONG);
        failsWith(small.load("fixed/200000/z.bin", AssetType.BINARY), "fixed/200000/z.bin", AssetLoadException.Reason.TOO_LONG);
    }

    @Test
    void bodyLongerThanItsContentLengthIsNotSeenButSpoilsTheNextAnswerOnItsConnection() {
        // HttpClient's HTTP/1.1 reads exactly Content-Length bytes: the loader cannot see the surplus
        AssetLoader l = closeAfter(AssetLoader.builder(server.longBase(), reg).build());
        Asset a = l.load("1000/300/long.bin", AssetType.BINARY).join(); // 1300 bytes sent, 1000 declared
        assertEquals(1000, a.size());
        assertEquals(1000, a.blockSize());
        assertArrayEquals(Arrays.copyOf(TestServer.bytes("long.bin", 1300), 1000), a.readAll());
        assertEquals(1, server.longConnections.get());

        // the next request on that connection finds the 300 surplus bytes where its status line should be
        String p = "2000/0/next.bin";
        CompletionException ce = assertThrows(CompletionException.class, () -> l.load(p, AssetType.BINARY).join());
        AssetLoadException e = assertInstanceOf(AssetLoadException.class, ce.getCause(), () -> "cause: " + ce.getCause());
        assertEquals(AssetLoadException.Reason.IO, e.reason(), e.getMessage());
        assertEquals(p, e.path());
        assertTrue(e.getMessage().contains("'" + p + "'") && e.getMessage().contains("status line")
                && e.getMessage().contains("longer than its Content-Length"), e.getMessage());
        assertFalse(reg.contains(p));
        assertEquals(1, w.tierStats(Tier.MIDDLE).liveBlocks(), "only the first asset is live");
        assertEquals(1, server.longConnections.get(), "the failed request went over the first connection");

        // the client dropped that connection: the next load opens another and succeeds
        Asset c = l.load("3000/0/third.bin", AssetType.BINARY).join();
        assertArrayEquals(TestServer.bytes("third.bin", 3000), c.readAll());
        assertEquals(2, server.longConnections.get());

        // an expected size equal to the Content-Length does not reveal the surplus either
        Asset d = l.load(LoadRequest.of("1000/5/expected.bin", AssetType.BINARY).withExpectedSize(1000)).join();
        assertArrayEquals(Arrays.copyOf(TestServer.bytes("expected.bin", 1005), 1000), d.readAll());
        assertEquals(3, reg.evictBatch(List.of("1000/300/long.bin", "3000/0/third.bin", "1000/5/expected.bin")));
        assertNoLive(w, "after evicting the loaded assets");
    }

    @Test
    void noRoomInTheTier() {
        Walloc tiny = open(1L << 20); // TOP ~512 KiB
        AssetRegistry r = closeAfter(new AssetRegistry(tiny));
        AssetLoader l = closeAfter(AssetLoader.builder(server.base(), r).build());
        for (String p : new String[] {"fixed/2000000/big.png", "chunked/2000000/big.png"}) {
            CompletionException ce = assertThrows(CompletionException.class, () -> l.load(p, AssetType.IMAGE).join());
            AssetLoadException e = assertInstanceOf(AssetLoadException.class, ce.getCause());
            assertEquals(AssetLoadException.Reason.NO_ROOM, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains(p) && e.getMessage().contains("TOP"), e.getMessage());
            assertNoLive(tiny, p);
        }
        // the allocator is still usable
        assertEquals(1000, l.load("fixed/1000/ok.png", AssetType.IMAGE).join().size());
    }

    @Test
    void cancellingOneLoadStopsItAndFreesItsBlock() throws Exception {
        AssetLoader l = loader();
        CompletableFuture<Asset> f = l.load("slow/400000/c.bin", AssetType.BINARY);
        waitFor(() -> w.tierStats(Tier.MIDDLE).liveBlocks() > 0);
        assertEquals(1, w.tierStats(Tier.MIDDLE).liveBlocks(), "the body started arriving");
        assertTrue(f.cancel(true));
        CancellationException e = assertThrows(CancellationException.class, f::join);
        // JDK 19+ join() throws a new CancellationException("join") caused by the future's own
        Throwable own = e.getCause() instanceof CancellationException ? e.getCause() : e;
        assertTrue(own.getMessage().contains("slow/400000/c.bin"), own.getMessage());
        assertNoLive(w, "right after cancel");
        assertFalse(reg.contains("slow/400000/c.bin"));
        assertEquals(0, l.inFlight());
    }

    @Test
    void pathsCannotEscapeTheBase() {
        AssetLoader l = closeAfter(AssetLoader.builder(server.base().resolve("assets/"), reg).build());
        for (String p : new String[] {"../fixed/10/x.bin", "a/../../x", "/fixed/10/x.bin", "http://evil.example/x",
                "//evil.example/x", "a\\..\\..\\x", "", "a\nb", "file:/etc/passwd", "..", "a/.."}) {
            CompletableFuture<Asset> f = l.load(p, AssetType.BINARY);
            CompletionException ce = assertThrows(CompletionException.class, f::join, p);
            AssetLoadException e = assertInstanceOf(AssetLoadException.class, ce.getCause());
            assertEquals(AssetLoadException.Reason.BAD_PATH, e.reason(), p + ": " + e.getMessage());
            assertEquals(p, e.path());
            assertTrue(e.getMessage().startsWith("loading '" + p + "' failed: bad path: "), e.getMessage());
        }
        assertEquals(server.base().resolve("assets/b/c.png"), l.resolve("a/../b/c.png"));
        assertEquals(server.base().resolve("assets/a%20b%3Fc%23d%25.png"), l.resolve("a b?c#d%.png"));
        assertEquals(0, server.hits("fixed/10/x.bin"));
        assertThrows(IllegalArgumentException.class, () -> AssetLoader.builder(URI.create("ftp://x/"), reg));
        assertThrows(IllegalArgumentException.class, () -> AssetLoader.builder(URI.create("relative/"), reg));
    }

    @Test
    void concurrentLoadsOfOnePathShareOneRequest() throws Exception {
        AssetLoader l = loader();
        String p = "gated/50000/shared.png";
        CompletableFuture<Asset> a = l.load(p, AssetType.IMAGE);
        CompletableFuture<Asset> b = l.load(p, AssetType.IMAGE);
        CompletableFuture<Asset> c = l.load(p, AssetType.IMAGE);
        c.cancel(true); // one caller giving up does not stop the others
        server.open();
        assertSame(a.join(), b.join());
        assertTrue(c.isCancelled());
        assertEquals(1, server.hits(p), "one request");
        assertEquals(1, w.tierStats(Tier.TOP).liveBlocks());
        assertArrayEquals(TestServer.bytes("shared.png", 50_000), a.join().readAll());
        // after it finished, a new load makes a new request
        l.load(p, AssetType.IMAGE).join();
        assertEquals(2, server.hits(p));
        assertEquals(1, w.tierStats(Tier.TOP).liveBlocks(), "the reload replaced the old block");
    }

    @Test
    void batchOf500WithMonotoneProgress() {
        AssetLoader l = loader();
        List<LoadRequest> reqs = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < 500; i++) {
            int size = 1000 + (i * 7919) % 20_000;
            total += size;
            String mode = i % 3 == 0 ? "chunked" : "fixed";
            AssetType t = AssetType.values()[i % 3];
            reqs.add(LoadRequest.of(mode + "/" + size + "/a" + i + ".dat", t));
        }
        List<BatchProgress> events = new CopyOnWriteArrayList<>();
        BatchLoad b = l.loadBatch(reqs, events::add);
        BatchProgress end = b.done().join();
        assertEquals(new BatchProgress(500, 0, 500, total, total), end);
        assertTrue(events.size() >= 500);
        BatchProgress prev = new BatchProgress(0, 0, 500, 0, 0);
        for (BatchProgress e : events) {
            assertTrue(e.assetsDone() >= prev.assetsDone() && e.assetsFailed() >= prev.assetsFailed()
                    && e.bytesReceived() >= prev.bytesReceived() && e.bytesExpected() >= prev.bytesExpected(),
                    prev + " -> " + e);
            assertTrue(e.bytesReceived() <= total && e.bytesExpected() <= total, e.toString());
            assertEquals(500, e.assetsTotal());
            prev = e;
        }
        assertEquals(end, events.get(events.size() - 1));
        assertTrue(server.maxInFlight.get() <= 8, "parallelism: " + server.maxInFlight.get());
        for (int i = 0; i < 500; i++) {
            Asset a = b.future(i).join();
            String name = "a" + i + ".dat";
            assertArrayEquals(TestServer.bytes(name, (int) a.size()), a.readAll(), name);
            assertEquals(reqs.get(i).type().defaultTier(), a.tier());
        }
        assertEquals(500, reg.size());
    }

    @Test
    void manyQuickLoadsOnPooledConnections() {
        // regression: a load that finished before sendAsync returned used to cancel its exchange,
        // closing the pooled connection under the next request
        AssetLoader l = loader();
        List<LoadRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            reqs.add(LoadRequest.of((i % 4 == 0 ? "chunked" : "fixed") + "/" + (50 + i) + "/q" + i + ".bin", AssetType.BINARY));
        }
        for (int round = 0; round < 2; round++) {
            BatchLoad b = l.loadBatch(reqs, 4, null);
            BatchProgress end = b.done().join();
            StringBuilder why = new StringBuilder();
            for (CompletableFuture<Asset> f : b.futures()) {
                f.exceptionally(e -> {
                    why.append(e.getMessage()).append('\n');
                    return null;
                });
            }
            assertEquals(0, end.assetsFailed(), why.toString());
        }
        assertEquals(300, reg.size());
    }

    @Test
    void batchKeepsItsConfiguredParallelism() throws Exception {
        AssetLoader l = loader();
        List<LoadRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            reqs.add(LoadRequest.of("gated/1000/g" + i + ".bin", AssetType.BINARY)); // held until open()
        }
        BatchLoad b = l.loadBatch(reqs, 3, null);
        assertEquals(3, b.parallelism());
        waitFor(() -> server.inFlight.get() >= 3);
        assertEquals(3, server.inFlight.get(), "three requests reach the server");
        Thread.sleep(100); // room for a fourth, were there no bound
        assertEquals(3, server.maxInFlight.get(), "and no more while they are held");
        assertEquals(0, b.progress().assetsDone());
        server.open();
        assertEquals(new BatchProgress(10, 0, 10, 10_000, 10_000), b.done().get(10, TimeUnit.SECONDS));
        assertEquals(3, server.maxInFlight.get());
    }

    @Test
    void batchFailuresStayTheirOwn() {
        AssetLoader l = loader();
        BatchLoad b = l.loadBatch(List.of(LoadRequest.of("fixed/100/ok1.json"), LoadRequest.of("status/404/no.json"),
                LoadRequest.of("../escape.json"), LoadRequest.of("chunked/100/ok2.json")), 2, null);
        BatchProgress end = b.done().join();
        assertEquals(4, end.assetsDone());
        assertEquals(2, end.assetsFailed());
        assertEquals(2, b.assets().size());
        assertTrue(b.future(1).isCompletedExceptionally());
        assertEquals(AssetType.JSON, b.future(0).join().type());
    }

    @Test
    void cancellingABatchStopsEverythingAndLeaksNothing() throws Exception {
        AssetLoader l = loader();
        List<LoadRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            reqs.add(LoadRequest.of("slow/200000/s" + i + ".bin", AssetType.BINARY));
        }
        CompletableFuture<Void> firstBytes = new CompletableFuture<>();
        BatchLoad b = l.loadBatch(reqs, 3, p -> {
            if (p.bytesReceived() > 0) {
                firstBytes.complete(null);
            }
        });
        firstBytes.get(10, TimeUnit.SECONDS);
        assertTrue(b.cancel() >= 17);
        BatchProgress end = b.done().get(10, TimeUnit.SECONDS);
        assertEquals(20, end.assetsDone());
        for (CompletableFuture<Asset> f : b.futures()) {
            assertTrue(f.isDone());
        }
        reg.evictBatch(reqs.stream().map(LoadRequest::path).toList()); // any that finished before the cancel
        assertNoLive(w, "after cancelling the batch");
        assertEquals(0, l.inFlight());

        BatchLoad one = l.loadBatch(List.of(LoadRequest.of("slow/200000/x.bin"), LoadRequest.of("fixed/10/y.bin")), 1, null);
        assertTrue(one.cancel(0));
        one.done().get(10, TimeUnit.SECONDS);
        assertThrows(CancellationException.class, () -> one.future(0).join());
        assertEquals(10, one.future(1).join().size());
    }

    @Test
    void aListenerMayCancelItsBatchWhileOtherLoadsDeliverBytes() throws Exception {
        // regression: the listener ran under the batch's lock and the delivering load's lock, so a
        // cancel() from inside it (which takes every load's lock) deadlocked with a second load
        // that held its own lock and waited for the batch's to report bytes
        AssetLoader l = loader();
        List<LoadRequest> reqs = List.of(LoadRequest.of("slow/400000/d0.bin", AssetType.BINARY),
                LoadRequest.of("slow/400000/d1.bin", AssetType.BINARY));
        AtomicInteger cancelled = new AtomicInteger(-1);
        AtomicReference<BatchLoad> self = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        BatchLoad b = l.loadBatch(reqs, 2, p -> {
            if (p.bytesReceived() > 0 && cancelled.get() < 0) {
                try {
                    started.await();
                    Thread.sleep(300); // both loads keep delivering (a piece every 20 ms) meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                cancelled.set(self.get().cancel());
            }
        });
        self.set(b);
        started.countDown();
        BatchProgress end = b.done().get(10, TimeUnit.SECONDS);
        assertEquals(2, cancelled.get(), "the listener's cancel() reached both loads");
        assertEquals(new BatchProgress(2, 2, 2, end.bytesReceived(), end.bytesExpected()), end);
        assertTrue(end.bytesReceived() < 800_000, end.toString());
        assertNoLive(w, "after the listener cancelled the batch");
        assertEquals(0, l.inFlight());
    }

    @Test
    void loadingUnderABudgetKeepsLiveBytesWithinIt() {
        long budget = 512 << 10;
        reg.setBudget(Tier.TOP, budget);
        AssetLoader l = loader();
        List<LoadRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            reqs.add(LoadRequest.of((i % 2 == 0 ? "fixed" : "chunked") + "/65000/img" + i + ".png", AssetType.IMAGE));
        }
        List<Long> live = new CopyOnWriteArrayList<>();
        BatchLoad b = l.loadBatch(reqs, 4, p -> live.add(w.tierStats(Tier.TOP).liveBytes()));
        BatchProgress end = b.done().join();
        StringBuilder why = new StringBuilder();
        for (CompletableFuture<Asset> f : b.futures()) {
            f.exceptionally(e -> {
                why.append(e.getMessage()).append('\n');
                return null;
            });
        }
        assertEquals(0, end.assetsFailed(), why.toString());
        for (long x : live) {
            assertTrue(x <= budget, "live " + x + " > budget " + budget);
        }
        assertTrue(w.tierStats(Tier.TOP).liveBytes() <= budget);
        assertTrue(reg.budgetEvictions() > 40, "evictions " + reg.budgetEvictions());
        assertNotNull(reg.peek("chunked/65000/img59.png"), "the last one loaded is kept");
    }

    @Test
    void closingTheLoaderFailsLoadsInFlight() {
        AssetLoader l = AssetLoader.builder(server.base(), reg).build();
        CompletableFuture<Asset> f = l.load("silent/10/x.bin", AssetType.BINARY);
        l.close();
        CompletionException ce = assertThrows(CompletionException.class, f::join);
        AssetLoadException e = assertInstanceOf(AssetLoadException.class, ce.getCause());
        assertEquals(AssetLoadException.Reason.CANCELLED, e.reason());
        CompletionException after = assertThrows(CompletionException.class, () -> l.load("fixed/1/y", AssetType.JSON).join());
        assertInstanceOf(AssetLoadException.class, after.getCause());
        assertNoLive(w, "after close");
        if (l.inFlight() != 0) {
            fail("in flight after close: " + l.inFlight());
        }
    }
}
