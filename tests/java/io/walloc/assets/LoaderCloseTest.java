package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walloc.Walloc;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15, item 6: closing a loader that made its own {@link HttpClient} releases the client's
 * threads (its {@code HttpClient-N-SelectorManager} and workers) and the loader's watchdog, on
 * JDK 17 and 25, even while the application still holds the closed loader and the client has
 * pooled keep-alive connections; a client the user passed in stays the user's, and working.
 *
 * <p>On JDK 17 a client's threads end only once it is unreachable and its selector looks again
 * (at least every 3 s), so the wait below hints the GC and allows some seconds; on JDK 21+ the
 * loader shuts its client down and the threads end at once.
 */
@Timeout(60)
class LoaderCloseTest extends AssetTestBase {
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

    private static Set<Thread> threads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("HttpClient-") || t.getName().startsWith("walloc-asset-loader"))
                .collect(Collectors.toSet());
    }

    /** Every way a load uses a connection: kept alive after a body, closed by a failure or a cancel. */
    private void useIt(AssetLoader l) throws Exception {
        l.load("fixed/1000/a.bin", AssetType.BINARY).join();
        l.load("chunked/20000/b.bin", AssetType.BINARY).join();
        BatchLoad b = l.loadBatch(List.of(LoadRequest.of("fixed/10/c.bin"), LoadRequest.of("fixed/20/d.bin"),
                LoadRequest.of("chunked/30000/e.bin"), LoadRequest.of("status/404/f.bin")), 2, p -> { });
        assertEquals(1, b.done().get(10, TimeUnit.SECONDS).assetsFailed());
        CompletableFuture<Asset> slow = l.load("slow/400000/g.bin", AssetType.BINARY);
        AssetTestBase.waitFor(() -> server.hits("slow/400000/g.bin") > 0);
        slow.cancel(true);
        l.load("fixed/1000/h.bin", AssetType.BINARY).join(); // the last one leaves its connection in the pool
    }

    @Test
    void closingALoaderReleasesTheThreadsOfTheClientItMade() throws Exception {
        Set<Thread> before = threads();
        AssetLoader l = AssetLoader.builder(server.base(), reg).timeout(Duration.ofSeconds(10)).build();
        useIt(l);
        List<Thread> its = new ArrayList<>(threads());
        its.removeAll(before);
        assertTrue(its.stream().anyMatch(t -> t.getName().endsWith("-SelectorManager")), "its client's selector: " + its);
        assertTrue(its.stream().anyMatch(t -> t.getName().startsWith("walloc-asset-loader-watchdog")), "its watchdog: " + its);
        long t0 = System.nanoTime();
        l.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (its.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
            System.gc(); // JDK 17: the client must become unreachable for its selector to end
            Thread.sleep(50);
        }
        List<String> alive = its.stream().filter(Thread::isAlive).map(Thread::getName).toList();
        if (!alive.isEmpty()) {
            fail("still alive " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after close: " + alive);
        }
        // the application still holds the closed loader: that must not keep the client alive
        assertTrue(l.inFlight() == 0);
        Reference.reachabilityFence(l);
    }

    @Test
    void aClientOfTheUsersDoesNotKeepAClosedLoaderReachable() throws Exception {
        HttpClient mine = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        WeakReference<AssetLoader> gone = loadAndClose(mine);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (gone.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(gone.get(), "the client's pooled connection keeps the closed loader (and its registry) reachable");
        Reference.reachabilityFence(mine);
    }

    private WeakReference<AssetLoader> loadAndClose(HttpClient c) throws Exception {
        AssetLoader l = AssetLoader.builder(server.base(), reg).client(c).build();
        useIt(l); // the last load leaves its connection in the client's pool
        l.close();
        return new WeakReference<>(l);
    }

    @Test
    void closingALoaderLeavesAClientOfTheUsersOpenAndWorking() throws Exception {
        HttpClient mine = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AssetLoader l = AssetLoader.builder(server.base(), reg).client(mine).timeout(Duration.ofSeconds(10)).build();
        useIt(l);
        l.close();
        HttpResponse<String> r = mine.send(HttpRequest.newBuilder(server.base().resolve("fixed/5/z.bin")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "the user's client still works after the loader closed");
        assertFalse(threads().stream().noneMatch(t -> t.getName().endsWith("-SelectorManager")),
                "the user's client keeps its selector");
        // a second loader over the same client works too
        try (AssetLoader again = AssetLoader.builder(server.base(), reg).client(mine).build()) {
            assertEquals(5, again.load("fixed/5/y.bin", AssetType.BINARY).join().size());
        }
        assertEquals(200, mine.send(HttpRequest.newBuilder(server.base().resolve("fixed/5/x.bin")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        Reference.reachabilityFence(mine);
    }
}
