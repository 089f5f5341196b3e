package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walloc.Tier;
import io.walloc.TierStats;
import io.walloc.Walloc;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cancelling a load at every moment of its life, the moment its body has fully arrived included,
 * gives one of two outcomes and nothing in between: the future completes with the asset and the
 * asset is registered, or the future completes exceptionally (cancelled), nothing is registered
 * and the block is freed. The moments are hit deterministically through an {@link HttpClient}
 * that wraps the real one and runs a hook at chosen points of the exchange (on the client's own
 * thread, like any cancellation from another thread); only the "other thread after a delay"
 * moment depends on timing, and what is asserted for it does not.
 */
@Timeout(120)
class LoadCancelRaceTest extends AssetTestBase {
    /** When the cancellation is fired. */
    enum Moment {
        /** Right after load() returns, on the caller's thread. */
        AT_ONCE,
        /** When the response headers arrived and the loader took its block. */
        HEADERS,
        /** Before the loader sees the first chunk of the body. */
        BEFORE_FIRST_CHUNK,
        /** After the loader wrote the first chunk. */
        AFTER_FIRST_CHUNK,
        /** The whole body arrived, before the loader is told it ended. */
        BODY_END_BEFORE_LOADER,
        /** The loader has taken the ended body (the asset is registered), before the caller's future completes. */
        BODY_END_IN_LOADER,
        /** After the loader handled the end of the body. */
        BODY_END_AFTER_LOADER,
        /** From another thread, a varying delay after load(). */
        OTHER_THREAD,
        /** After the future completed. */
        AFTER_DONE;

        /** What cancel() must return at this moment, or null when either is right. */
        Boolean expected() {
            switch (this) {
                case HEADERS:
                case BEFORE_FIRST_CHUNK:
                case AFTER_FIRST_CHUNK:
                case BODY_END_BEFORE_LOADER:
                    return true; // the loader has not decided yet
                case BODY_END_IN_LOADER:
                case BODY_END_AFTER_LOADER:
                case AFTER_DONE:
                    return false; // the asset is registered: too late to cancel
                default:
                    return null;
            }
        }
    }

    /** Hooks for one URL path, run on the HTTP client's threads. */
    static final class Hooks {
        volatile Runnable headers = () -> { };
        volatile Runnable beforeFirstChunk = () -> { };
        volatile Runnable afterFirstChunk = () -> { };
        /** After each chunk the loader took, with the body's bytes so far. */
        volatile java.util.function.LongConsumer afterBytes = n -> { };
        volatile Runnable beforeComplete = () -> { };
        volatile Runnable loaderBodyDone = () -> { };
        volatile Runnable afterComplete = () -> { };
    }

    private TestServer server;
    private Walloc w;
    private AssetRegistry reg;
    private final Map<String, Hooks> hooks = new ConcurrentHashMap<>();
    private HookedClient client;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        w = open(64L << 20);
        reg = closeAfter(new AssetRegistry(w));
        client = new HookedClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build(), hooks);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private AssetLoader loader() {
        return closeAfter(AssetLoader.builder(server.base(), reg).client(client).timeout(Duration.ofSeconds(20)).build());
    }

    private static String path(int i, String tag) {
        int size = 1 + (i * 7919) % 30_000;
        return (i % 2 == 0 ? "fixed" : "chunked") + "/" + size + "/" + tag + i + ".bin";
    }

    private static int size(String path) {
        return Integer.parseInt(path.split("/")[1]);
    }

    private static String name(String path) {
        return path.split("/")[2];
    }

    @Test
    void cancelAtEveryMomentIsAllOrNothing() throws Exception {
        AssetLoader l = loader();
        Moment[] moments = Moment.values();
        for (int i = 0; i < 360; i++) {
            Moment m = moments[i % moments.length];
            String p = path(i, "r");
            CompletableFuture<Boolean> cancelResult = new CompletableFuture<>();
            CompletableFuture<CompletableFuture<Asset>> fut = new CompletableFuture<>();
            Runnable cancel = () -> {
                try {
                    cancelResult.complete(fut.join().cancel(true));
                } catch (RuntimeException e) {
                    cancelResult.completeExceptionally(e);
                }
            };
            Hooks h = new Hooks();
            switch (m) {
                case HEADERS: h.headers = cancel; break;
                case BEFORE_FIRST_CHUNK: h.beforeFirstChunk = cancel; break;
                case AFTER_FIRST_CHUNK: h.afterFirstChunk = cancel; break;
                case BODY_END_BEFORE_LOADER: h.beforeComplete = cancel; break;
                case BODY_END_IN_LOADER: h.loaderBodyDone = cancel; break;
                case BODY_END_AFTER_LOADER: h.afterComplete = cancel; break;
                default: break;
            }
            hooks.put("/" + p, h);
            CompletableFuture<Asset> f = l.load(p, AssetType.BINARY);
            fut.complete(f);
            Thread other = null;
            if (m == Moment.AT_ONCE) {
                cancel.run();
            } else if (m == Moment.OTHER_THREAD) {
                long delayNanos = (i / moments.length) % 40 * 25_000L; // 0 .. 1 ms in 25 us steps
                other = new Thread(() -> {
                    long until = System.nanoTime() + delayNanos;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    cancel.run();
                });
                other.start();
            }
            settle(f);
            if (m == Moment.AFTER_DONE) {
                cancel.run();
            }
            if (other != null) {
                other.join(10_000);
            }
            boolean result = cancelResult.get(10, TimeUnit.SECONDS); // every hook fired and its cancel() returned
            String what = "load " + i + " of " + p + ", cancelled " + m;
            if (m.expected() != null) {
                assertEquals(m.expected(), result, what + ": cancel() returned " + result);
            }
            checkOutcome(f, p, result, what);
            checkTierStats(what);
        }
        assertEquals(0, l.inFlight());
        reg.evictBatch(reg.list().stream().map(Asset::path).toList());
        assertNoLive(w, "after evicting what loaded");
    }

    @Test
    void cancellingTheBatchAsABodyEndsIsAllOrNothing() throws Exception {
        AssetLoader l = loader();
        Moment[] at = {Moment.BEFORE_FIRST_CHUNK, Moment.BODY_END_BEFORE_LOADER, Moment.BODY_END_IN_LOADER,
            Moment.BODY_END_AFTER_LOADER};
        for (int round = 0; round < 24; round++) {
            Moment m = at[round % at.length];
            boolean whole = round % 8 < 4; // the whole batch, or one request of it
            List<LoadRequest> reqs = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                reqs.add(LoadRequest.of(path(round * 24 + i, "b"), AssetType.BINARY));
            }
            int trigger = (round * 5) % 24; // the request whose body end fires the cancel
            CompletableFuture<BatchLoad> batch = new CompletableFuture<>();
            CompletableFuture<Integer> cancelResult = new CompletableFuture<>();
            Runnable cancel = () -> {
                try {
                    BatchLoad b = batch.join();
                    cancelResult.complete(whole ? b.cancel() : b.cancel(trigger) ? 1 : 0);
                } catch (RuntimeException e) {
                    cancelResult.completeExceptionally(e);
                }
            };
            Hooks h = new Hooks();
            switch (m) {
                case BEFORE_FIRST_CHUNK: h.beforeFirstChunk = cancel; break;
                case BODY_END_BEFORE_LOADER: h.beforeComplete = cancel; break;
                case BODY_END_IN_LOADER: h.loaderBodyDone = cancel; break;
                default: h.afterComplete = cancel; break;
            }
            hooks.put("/" + reqs.get(trigger).path(), h);
            BatchLoad b = l.loadBatch(reqs, 4, null);
            batch.complete(b);
            BatchProgress end = b.done().get(20, TimeUnit.SECONDS);
            int n = cancelResult.get(10, TimeUnit.SECONDS);
            String what = "round " + round + ": " + (whole ? "batch" : "request " + trigger) + " cancelled " + m;
            int failed = 0;
            for (int i = 0; i < reqs.size(); i++) {
                CompletableFuture<Asset> f = b.future(i);
                assertTrue(f.isDone(), what);
                if (f.isCompletedExceptionally()) {
                    failed++;
                }
                checkOutcome(f, reqs.get(i).path(), f.isCompletedExceptionally(), what + ", request " + i);
            }
            assertEquals(failed, end.assetsFailed(), what);
            assertEquals(failed, n, what + ": cancel() counted what it cancelled, and nothing else failed");
            boolean triggerCancelled = b.future(trigger).isCompletedExceptionally();
            assertEquals(m.expected(), triggerCancelled, what + ": the request whose body end fired the cancel");
            checkTierStats(what);
            reg.evictBatch(reg.list().stream().map(Asset::path).toList());
            assertNoLive(w, what + ": after evicting what loaded");
        }
        assertEquals(0, l.inFlight());
    }

    @Test
    void cancelAsTheBodyEndsLeavesThePooledConnectionToTheLoadThatTookIt() throws Exception {
        // The JDK hands A's connection back to its pool before it tells the loader A's body ended.
        // Cancelling A right then must not close that connection: B is already using it.
        AssetLoader l = loader();
        String a = "fixed/5000/pooled-a.bin";
        String b = "slow/40960/pooled-b.bin"; // ten 4 KiB pieces, 20 ms apart
        CompletableFuture<CompletableFuture<Asset>> fa = new CompletableFuture<>();
        CompletableFuture<CompletableFuture<Asset>> fb = new CompletableFuture<>();
        CompletableFuture<Boolean> cancelResult = new CompletableFuture<>();
        Hooks h = new Hooks();
        h.beforeComplete = () -> {
            try {
                fb.complete(l.load(b, AssetType.BINARY)); // takes A's connection from the pool
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (server.hits(b) == 0 && System.nanoTime() < until) {
                    Thread.sleep(1);
                }
                cancelResult.complete(fa.join().cancel(true));
            } catch (Exception e) {
                cancelResult.completeExceptionally(e);
            }
        };
        hooks.put("/" + a, h);
        fa.complete(l.load(a, AssetType.BINARY));
        assertTrue(cancelResult.get(20, TimeUnit.SECONDS), "A was cancelled before the loader took its body");
        assertEquals(1, server.hits(b), "B's request reached the server before A was cancelled");
        settle(fa.join());
        checkOutcome(fa.join(), a, true, "A");
        CompletableFuture<Asset> f = fb.get(1, TimeUnit.SECONDS);
        settle(f);
        checkOutcome(f, b, false, "B, on the connection A gave back");
        checkTierStats("after A and B");
        assertEquals(0, l.inFlight());
    }

    /** Waits for the future to settle, either way. */
    private static void settle(CompletableFuture<Asset> f) throws Exception {
        f.handle((a, e) -> null).get(20, TimeUnit.SECONDS);
    }

    /** (cancelled) <=> (exceptional) <=> (not registered); a loaded asset holds the source's bytes. */
    private void checkOutcome(CompletableFuture<Asset> f, String p, boolean expectCancelled, String what) {
        assertTrue(f.isDone(), what);
        assertEquals(expectCancelled, f.isCompletedExceptionally(), what + ": future " + f);
        if (expectCancelled) {
            assertFalse(reg.contains(p), what + ": the future was cancelled but the asset is registered");
            try {
                f.join();
                fail(what + ": join() returned");
            } catch (CancellationException e) {
                Throwable own = e.getCause() instanceof CancellationException ? e.getCause() : e; // JDK 19+ wraps
                assertTrue(String.valueOf(own.getMessage()).contains(p), what + ": " + own.getMessage());
            } catch (CompletionException e) {
                AssetLoadException ale = assertInstanceOf(AssetLoadException.class, e.getCause(), what);
                assertEquals(AssetLoadException.Reason.CANCELLED, ale.reason(), what + ": " + ale.getMessage());
                assertEquals(p, ale.path());
            }
        } else {
            Asset a = f.join();
            assertNotNull(reg.peek(p), what + ": the future completed but the asset is not registered");
            assertSame(a, reg.peek(p), what);
            assertArrayEquals(TestServer.bytes(name(p), size(p)), a.readAll(), what);
        }
    }

    /** Each tier's live blocks and bytes are exactly those of the registered assets. */
    private void checkTierStats(String what) {
        for (Tier t : Tier.values()) {
            List<Asset> in = reg.list(t);
            long bytes = 0;
            for (Asset a : in) {
                bytes += reg.footprint(a.blockSize(), t);
            }
            TierStats s = w.tierStats(t);
            assertEquals(in.size(), s.liveBlocks(), what + ": live blocks of " + t + " vs registered assets: " + s);
            assertEquals(bytes, s.liveBytes(), what + ": live bytes of " + t + " vs registered assets: " + s);
        }
    }

    /** The JDK's client, with {@link Hooks} run around the loader's body subscriber. */
    static final class HookedClient extends DelegatingClient {
        private final Map<String, Hooks> hooks;

        HookedClient(HttpClient d, Map<String, Hooks> hooks) {
            super(d);
            this.hooks = hooks;
        }

        private <T> HttpResponse.BodyHandler<T> wrap(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
            Hooks h = hooks.getOrDefault(req.uri().getRawPath(), new Hooks());
            return info -> new HookedSubscriber<>(handler.apply(info), h);
        }

        @Override
        public <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler)
                throws IOException, InterruptedException {
            return d.send(req, wrap(req, handler));
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
            return d.sendAsync(req, wrap(req, handler));
        }
    }

    static final class HookedSubscriber<T> implements HttpResponse.BodySubscriber<T> {
        private final HttpResponse.BodySubscriber<T> d;
        private final Hooks h;
        private boolean first = true;
        private long total;

        HookedSubscriber(HttpResponse.BodySubscriber<T> d, Hooks h) {
            this.d = d;
            this.h = h;
            // runs on the thread that completes the loader's body: right after the loader took it
            d.getBody().whenComplete((x, e) -> h.loaderBodyDone.run());
            h.headers.run();
        }

        @Override
        public CompletionStage<T> getBody() {
            return d.getBody();
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            d.onSubscribe(s);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            boolean was = first;
            first = false;
            if (was) {
                h.beforeFirstChunk.run();
            }
            for (ByteBuffer b : items) {
                total += b.remaining();
            }
            d.onNext(items);
            if (was) {
                h.afterFirstChunk.run();
            }
            h.afterBytes.accept(total);
        }

        @Override
        public void onError(Throwable t) {
            d.onError(t);
        }

        @Override
        public void onComplete() {
            h.beforeComplete.run();
            d.onComplete();
            h.afterComplete.run();
        }
    }
}
