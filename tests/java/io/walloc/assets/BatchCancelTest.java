package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walloc.Walloc;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15, item 4: a batch never has more than its parallelism of requests in flight, cancelled
 * ones included, and after {@link BatchLoad#cancel()} nothing new starts; {@link BatchLoad#cancel(int)}
 * of a request not started means it never starts. For parallelism 1, 2 and 4, cancelling at
 * several points, from the caller's thread and from inside a progress listener.
 *
 * <p>Counted twice, concurrently: at the server ({@link HoldingServer}, which answers only when
 * told, so the test decides what is in flight) and in the HTTP client the loader uses, which
 * counts a request from {@code sendAsync} until its exchange is over (its body ended, or the calls
 * that stop it returned) and records every request started.
 */
@Timeout(120)
class BatchCancelTest extends AssetTestBase {
    private static final int N = 24;

    private HoldingServer server;
    private CountingClient client;
    private Walloc w;
    private AssetRegistry reg;

    @BeforeEach
    void start() throws Exception {
        server = new HoldingServer();
        w = open(64L << 20);
        reg = closeAfter(new AssetRegistry(w));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private AssetLoader loader(int parallelism) {
        client = new CountingClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), parallelism);
        return closeAfter(AssetLoader.builder(server.base(), reg).client(client).timeout(Duration.ofSeconds(20)).build());
    }

    private static List<LoadRequest> requests(String tag) {
        List<LoadRequest> r = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            r.add(LoadRequest.of("h/" + tag + i + ".bin", AssetType.BINARY));
        }
        return r;
    }

    @Test
    void cancelStartsNothingNewAndNeverExceedsParallelism() throws Exception {
        for (int p : new int[] {1, 2, 4}) {
            for (int k : new int[] {0, 1, p, p + 3, N - 1}) {
                String what = "parallelism " + p + ", cancel after " + k + " done";
                server = renew(server);
                AssetLoader l = loader(p);
                List<LoadRequest> reqs = requests("c" + p + "-" + k + "-");
                BatchLoad b = l.loadBatch(reqs, p, null);
                completeOneByOne(b, p, k, what, true);
                int startedBefore = client.starts();
                assertEquals(k + Math.min(p, N - k), startedBefore, what + ": started so far");
                int cancelled = b.cancel();
                assertEquals(N - k, cancelled, what + ": cancel() counts every future it cancelled");
                int startedAfter = client.starts();
                b.done().get(10, TimeUnit.SECONDS);
                waitFor(() -> server.inFlight() == 0);
                assertEquals(0, server.inFlight(), what + ": the cancelled requests' connections closed");
                assertEquals(startedBefore, startedAfter, what + ": cancel() started " + (startedAfter - startedBefore)
                        + " more");
                assertEquals(startedBefore, client.starts(), what + ": nothing started after cancel()");
                assertEquals(startedBefore, server.total(), what + ": the server saw only those");
                client.assertNoViolation(what);
                assertTrue(server.maxInFlight() <= p, what + ": the server saw " + server.maxInFlight() + " at once");
                assertEquals(0, l.inFlight(), what);
                reg.evictBatch(reqs.stream().map(LoadRequest::path).toList());
                assertNoLive(w, what);
            }
        }
    }

    @Test
    void cancellingOneRequestFreesItsPlaceOnlyOnceItIsStopped() throws Exception {
        for (int p : new int[] {1, 2, 4}) {
            String what = "parallelism " + p;
            server = renew(server);
            AssetLoader l = loader(p);
            List<LoadRequest> reqs = requests("one" + p + "-");
            BatchLoad b = l.loadBatch(reqs, p, null);
            waitFor(() -> server.inFlight() == p);
            assertEquals(p, server.inFlight(), what);
            // not started yet: never started
            assertTrue(b.cancel(N - 1), what);
            assertTrue(b.cancel(p), what); // the next in line
            // in flight: stopped, and only then does its place go to the next request
            for (int i = 0; i < p; i++) {
                assertTrue(b.cancel(i), what + ", request " + i);
                int started = p + 1 + i; // request p, cancelled, is skipped
                assertEquals(started, client.starts(), what + ": cancel(" + i + ") started the next once it stopped");
                // once the next request has reached the server, the cancelled one's close has too
                // (the client closed it first): the count is settled
                waitFor(() -> server.total() == started);
                assertEquals(p, server.inFlight(), what + " after cancelling request " + i + ": " + server + ", client "
                        + client);
            }
            server.release(N); // the rest complete, at most p at a time
            BatchProgress end = b.done().get(10, TimeUnit.SECONDS);
            assertEquals(N, end.assetsDone(), what);
            assertEquals(p + 2, end.assetsFailed(), what + ": the cancelled ones");
            assertFalse(client.started(reqs.get(N - 1).path()), what + ": cancelled before it started, never requested");
            assertFalse(client.started(reqs.get(p).path()), what + ": cancelled before it started, never requested");
            assertEquals(0, server.hits(reqs.get(N - 1).path()), what);
            assertEquals(N - 2, client.starts(), what);
            assertEquals(N - 2, server.total(), what);
            client.assertNoViolation(what);
            assertTrue(server.maxInFlight() <= p, what + ": the server saw " + server.maxInFlight() + " at once");
            reg.evictBatch(reqs.stream().map(LoadRequest::path).toList());
            assertNoLive(w, what);
        }
    }

    @Test
    void aListenerCancellingTheBatchOrOneRequestStartsNothingNew() throws Exception {
        for (int p : new int[] {1, 2, 4}) {
            for (int k : new int[] {1, p + 1}) {
                for (boolean whole : new boolean[] {true, false}) {
                    String what = "parallelism " + p + ", listener cancels " + (whole ? "the batch" : "one request")
                            + " at " + k + " done";
                    server = renew(server);
                    AssetLoader l = loader(p);
                    List<LoadRequest> reqs = requests("l" + p + "-" + k + (whole ? "w" : "o"));
                    CompletableFuture<BatchLoad> self = new CompletableFuture<>();
                    CompletableFuture<Integer> startsAtCancel = new CompletableFuture<>();
                    AtomicBoolean once = new AtomicBoolean();
                    BatchLoad b = l.loadBatch(reqs, p, prog -> {
                        if (prog.assetsDone() == k && once.compareAndSet(false, true)) {
                            BatchLoad me = self.join();
                            if (whole) {
                                me.cancel();
                            } else {
                                me.cancel(N - 1); // not started: never starts
                                me.cancel(k); // in flight
                            }
                            startsAtCancel.complete(client.starts());
                        }
                    });
                    self.complete(b);
                    completeOneByOne(b, p, k, what, false); // the listener may cancel before the places refill
                    int atCancel = startsAtCancel.get(10, TimeUnit.SECONDS);
                    if (whole) {
                        b.done().get(10, TimeUnit.SECONDS);
                        waitFor(() -> server.inFlight() == 0);
                        assertTrue(atCancel <= k + p, what + ": " + atCancel + " started");
                        assertEquals(atCancel, client.starts(), what + ": nothing started after cancel()");
                        assertTrue(server.total() <= atCancel, what + ": the server saw " + server.total()); // a
                        // request cancelled as it started may never reach it
                    } else {
                        server.release(N); // the rest complete, at most p at a time
                        b.done().get(10, TimeUnit.SECONDS);
                        assertFalse(client.started(reqs.get(N - 1).path()), what + ": cancelled before it started");
                        // request k was in flight, or next in line when the listener ran
                        assertEquals(N - 1 - (client.started(reqs.get(k).path()) ? 0 : 1), client.starts(), what);
                        assertTrue(server.total() <= client.starts(), what);
                    }
                    client.assertNoViolation(what);
                    assertTrue(server.maxInFlight() <= p, what + ": the server saw " + server.maxInFlight() + " at once");
                    assertEquals(0, l.inFlight(), what);
                    reg.evictBatch(reqs.stream().map(LoadRequest::path).toList());
                    assertNoLive(w, what);
                }
            }
        }
    }

    /* Lets k requests complete, one at a time, each once the batch has filled its places again
     * (and, with refill, waits for the places to fill after the last). */
    private void completeOneByOne(BatchLoad b, int p, int k, String what, boolean refill) throws InterruptedException {
        for (int i = 0; i < k; i++) {
            int inFlight = Math.min(p, N - i);
            waitFor(() -> server.inFlight() == inFlight);
            assertEquals(inFlight, server.inFlight(), what + ": in flight before completing request " + i);
            int done = i;
            server.release(1);
            waitFor(() -> b.progress().assetsDone() > done);
            assertTrue(b.progress().assetsDone() > i, what); // (more once a listener cancelled the batch)
        }
        if (refill) {
            int inFlight = Math.min(p, N - k);
            waitFor(() -> server.inFlight() == inFlight && client.starts() == k + inFlight);
        }
    }

    private static HoldingServer renew(HoldingServer s) throws IOException {
        s.close();
        return new HoldingServer();
    }

    /** Waits up to 5 s for cond; the caller asserts what it expects. */
    static void waitFor(BooleanSupplier cond) throws InterruptedException {
        AssetTestBase.waitFor(cond);
    }

    /**
     * The JDK's client, counting requests from {@code sendAsync} until their exchange is over: the
     * body subscriber heard the end or an error, or the calls that stop the exchange (cancelling
     * the body's subscription, or the response future) returned. A start while {@code limit}
     * requests are still in flight is a violation.
     */
    static final class CountingClient extends DelegatingClient {
        private final int limit;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicInteger starts = new AtomicInteger();
        private final List<String> started = new CopyOnWriteArrayList<>();
        private final List<String> violations = new CopyOnWriteArrayList<>();

        CountingClient(HttpClient d, int limit) {
            super(d);
            this.limit = limit;
        }

        int starts() {
            return starts.get();
        }

        @Override
        public String toString() {
            return "CountingClient[started " + started + ", in flight " + inFlight + "]";
        }

        /** Whether a request for this path (relative to the server's root) was started. */
        boolean started(String path) {
            return started.contains("/" + path);
        }

        void assertNoViolation(String what) {
            if (!violations.isEmpty()) {
                fail(what + ": " + violations);
            }
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
            started.add(req.uri().getPath());
            starts.incrementAndGet();
            int now = inFlight.incrementAndGet();
            if (now > limit) {
                violations.add(req.uri().getPath() + " started with " + (now - 1) + " in flight");
            }
            AtomicBoolean over = new AtomicBoolean();
            Runnable end = () -> {
                if (over.compareAndSet(false, true)) {
                    inFlight.decrementAndGet();
                }
            };
            CompletableFuture<HttpResponse<T>> inner = d.sendAsync(req, info -> new Sub<>(handler.apply(info), end));
            CompletableFuture<HttpResponse<T>> outer = new CompletableFuture<>() {
                @Override
                public boolean cancel(boolean mayInterruptIfRunning) {
                    boolean r = inner.cancel(mayInterruptIfRunning);
                    end.run(); // the exchange is stopped and its connection closed
                    return super.cancel(mayInterruptIfRunning) || r;
                }
            };
            inner.whenComplete((r, e) -> {
                if (e != null) {
                    outer.completeExceptionally(e);
                } else {
                    outer.complete(r);
                }
            });
            return outer;
        }

        private static final class Sub<T> implements HttpResponse.BodySubscriber<T> {
            private final HttpResponse.BodySubscriber<T> d;
            private final Runnable end;

            Sub(HttpResponse.BodySubscriber<T> d, Runnable end) {
                this.d = d;
                this.end = end;
            }

            @Override
            public CompletionStage<T> getBody() {
                return d.getBody();
            }

            @Override
            public void onSubscribe(Flow.Subscription s) {
                d.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                        s.request(n);
                    }

                    @Override
                    public void cancel() {
                        s.cancel();
                        end.run();
                    }
                });
            }

            @Override
            public void onNext(List<ByteBuffer> items) {
                d.onNext(items);
            }

            @Override
            public void onError(Throwable t) {
                end.run();
                d.onError(t);
            }

            @Override
            public void onComplete() {
                end.run(); // the whole body is in: the exchange is over before the loader hears it
                d.onComplete();
            }
        }
    }
}
