package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walloc.Walloc;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15, item 5: user code the loader calls back may throw anything, checked exceptions thrown
 * undeclared (Kotlin, Scala, Lombok) included, and neither a batch nor a load may stall on it.
 * The callbacks: a batch's {@link ProgressListener} (what it throws goes to the
 * {@code io.walloc.assets} logger, the batch goes on), and an {@link HttpClient} of the user's
 * whose {@code sendAsync} throws or returns null (the load fails with an
 * {@link AssetLoadException}, nothing stays in flight).
 */
@Timeout(60)
class CallbackThrowsTest extends AssetTestBase {
    /** A checked exception no signature declares. */
    static final class Undeclared extends Exception {
        private static final long serialVersionUID = 1L;

        Undeclared(String m) {
            super(m);
        }
    }

    /** An Error of the user's own. */
    static final class UserError extends Error {
        private static final long serialVersionUID = 1L;

        UserError(String m) {
            super(m);
        }
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    private static final Map<String, Supplier<Throwable>> THROWABLES = new LinkedHashMap<>();

    static {
        THROWABLES.put("undeclared checked exception", () -> new Undeclared("listener checked"));
        THROWABLES.put("undeclared IOException", () -> new IOException("listener I/O"));
        THROWABLES.put("RuntimeException", () -> new IllegalStateException("listener state"));
        THROWABLES.put("Error", () -> new UserError("listener error"));
        THROWABLES.put("StackOverflowError", () -> new StackOverflowError("listener recursion"));
    }

    private TestServer server;
    private Walloc w;
    private AssetRegistry reg;
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger jul = Logger.getLogger("io.walloc.assets");

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        w = open(64L << 20);
        reg = closeAfter(new AssetRegistry(w));
        jul.addHandler(capture);
        jul.setUseParentHandlers(false); // the expected warnings stay out of the test output
    }

    @AfterEach
    void stop() {
        jul.removeHandler(capture);
        jul.setUseParentHandlers(true);
        server.close();
    }

    enum When { FIRST_REPORT, EVERY_REPORT, FINAL_REPORT }

    @Test
    void aThrowingProgressListenerNeverStallsItsBatch() throws Exception {
        AssetLoader l = closeAfter(AssetLoader.builder(server.base(), reg).timeout(Duration.ofSeconds(10)).build());
        int round = 0;
        for (Map.Entry<String, Supplier<Throwable>> kind : THROWABLES.entrySet()) {
            for (When when : When.values()) {
                for (int p : new int[] {1, 3}) {
                    String what = kind.getKey() + " thrown at " + when + ", parallelism " + p;
                    List<LoadRequest> reqs = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        reqs.add(LoadRequest.of((i % 2 == 0 ? "fixed" : "chunked") + "/" + (1000 + i) + "/t" + round + "-" + i
                                + ".bin", AssetType.BINARY));
                    }
                    round++;
                    logged.clear();
                    AtomicInteger calls = new AtomicInteger();
                    AtomicInteger thrown = new AtomicInteger();
                    List<BatchProgress> seen = new CopyOnWriteArrayList<>();
                    BatchLoad b = l.loadBatch(reqs, p, prog -> {
                        seen.add(prog);
                        boolean now = when == When.EVERY_REPORT || when == When.FIRST_REPORT && calls.get() == 0
                                || when == When.FINAL_REPORT && prog.finished();
                        calls.incrementAndGet();
                        if (now) {
                            thrown.incrementAndGet();
                            throw sneaky(kind.getValue().get());
                        }
                    });
                    BatchProgress end = b.done().get(10, TimeUnit.SECONDS); // not stalled
                    assertEquals(new BatchProgress(6, 0, 6, end.bytesReceived(), end.bytesExpected()), end, what);
                    assertTrue(seen.get(seen.size() - 1).finished(), what + ": the final report reached the listener");
                    for (int i = 1; i < seen.size(); i++) {
                        assertTrue(seen.get(i).assetsDone() >= seen.get(i - 1).assetsDone(), what + ": in order");
                    }
                    for (CompletableFuture<Asset> f : b.futures()) {
                        assertTrue(f.isDone() && !f.isCompletedExceptionally(), what + ": a listener fails no load");
                    }
                    assertEquals(thrown.get(), logged.size(), what + ": each throw reported once");
                    for (LogRecord r : logged) {
                        assertEquals(java.util.logging.Level.WARNING, r.getLevel(), what);
                        assertSame(kind.getValue().get().getClass(), r.getThrown().getClass(), what);
                    }
                    assertEquals(0, l.inFlight(), what);
                    reg.evictBatch(reqs.stream().map(LoadRequest::path).toList());
                }
            }
        }
        assertNoLive(w, "after every batch");
    }

    @Test
    void aClientWhoseSendAsyncThrowsFailsTheLoadInsteadOfStallingIt() throws Exception {
        HttpClient real = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (Map.Entry<String, Supplier<Throwable>> kind : THROWABLES.entrySet()) {
            for (boolean returnNull : new boolean[] {false, true}) {
                String what = returnNull ? "sendAsync returns null" : "sendAsync throws " + kind.getKey();
                HttpClient bad = new DelegatingClient(real) {
                    @Override
                    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest req,
                            HttpResponse.BodyHandler<T> handler) {
                        if (returnNull) {
                            return null;
                        }
                        throw sneaky(kind.getValue().get());
                    }
                };
                AssetLoader l = AssetLoader.builder(server.base(), reg).client(bad).timeout(Duration.ofSeconds(10)).build();
                CompletableFuture<Asset> f = l.load("fixed/100/x.bin", AssetType.BINARY);
                f.handle((a, x) -> null).get(10, TimeUnit.SECONDS); // not stalled
                CompletionException ce = assertThrows(CompletionException.class, f::join, what);
                AssetLoadException e = assertInstanceOf(AssetLoadException.class, ce.getCause(), what);
                assertEquals("fixed/100/x.bin", e.path(), what);
                assertEquals(0, l.inFlight(), what);
                BatchLoad b = l.loadBatch(List.of(LoadRequest.of("fixed/10/a.bin"), LoadRequest.of("fixed/10/b.bin")), 1,
                        null);
                BatchProgress end = b.done().get(10, TimeUnit.SECONDS);
                assertEquals(2, end.assetsFailed(), what + ": every entry failed, the batch ended");
                l.close();
                assertNoLive(w, what);
                if (returnNull) {
                    break; // once is enough
                }
            }
        }
    }
}
