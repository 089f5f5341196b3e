package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walloc.Block;
import io.walloc.Tier;
import io.walloc.Walloc;
import io.walloc.WallocConfig;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15, item 1 (the Java loader): a load streaming its body while the user releases its block
 * (a reset or compaction of the tier, closing the instance) or closes, clears or compacts the
 * registry, then allocates the same size in that tier and writes into it. Whatever the moment
 * (before the first chunk, between chunks, as a body of unknown length is about to grow, after the
 * last chunk before registration), with and without Content-Length, in checked and unchecked
 * mode: the load either completes with the body's exact bytes (when its block was spared) or fails
 * with a clear {@link AssetLoadException}; it never writes into the user's blocks, never registers
 * a block that is no longer its own, never frees one later, and leaves nothing in flight.
 *
 * <p>The moments are exact: the server sends 4 KiB pieces only when told, and the user's part runs
 * in a hook of the HTTP client (on its thread), before the loader sees what comes next.
 */
@Timeout(120)
class LoadVersusReleaseTest extends AssetTestBase {
    /** Body size: 11 pieces of 4 KiB; its block's size class (48 KiB) extends past it. */
    private static final int SIZE = 45_000;
    private static final Tier TIER = Tier.BOTTOM;

    enum Event {
        RESET, COMPACT_TO_ZERO, COMPACT_INSIDE_CLASS, COMPACT_SPARING, REGISTRY_COMPACT, REGISTRY_CLEAR, REGISTRY_CLOSE,
        WALLOC_CLOSE
    }

    enum Moment {
        BEFORE_FIRST_CHUNK, AFTER_ONE_CHUNK, AFTER_TWO_CHUNKS, AFTER_LAST_CHUNK
    }

    enum Outcome {
        LOADED, RELEASED, CANCELLED, EITHER
    }

    private TestServer server;
    private final Map<String, LoadCancelRaceTest.Hooks> hooks = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        client = new LoadCancelRaceTest.HookedClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(),
                hooks);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @TestFactory
    Stream<DynamicTest> everyOrderOfLoadAndRelease() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Event e : Event.values()) {
            for (Moment m : Moment.values()) {
                for (boolean chunked : new boolean[] {false, true}) {
                    for (boolean checked : new boolean[] {true, false}) {
                        tests.add(DynamicTest.dynamicTest(e + " " + m + (chunked ? " chunked" : " Content-Length")
                                + (checked ? " checked" : " unchecked"), () -> run(e, m, chunked, checked)));
                    }
                }
            }
        }
        return tests.stream();
    }

    private static Outcome expected(Event e, boolean chunked) {
        switch (e) {
            case RESET:
            case COMPACT_TO_ZERO:
            case WALLOC_CLOSE:
                return Outcome.RELEASED;
            case COMPACT_INSIDE_CLASS:
                // with a Content-Length the one block lies at the tier's start, in a 48 KiB class
                // past SIZE; a growing body's block may lie anywhere
                return chunked ? Outcome.EITHER : Outcome.RELEASED;
            case REGISTRY_CLOSE:
                return Outcome.CANCELLED;
            default:
                return Outcome.LOADED; // spared, or refused because of the load
        }
    }

    private void run(Event event, Moment moment, boolean chunked, boolean checked) throws Exception {
        Walloc w = Walloc.create(WallocConfig.builder().capacity(4L << 20).checked(checked).build());
        AssetRegistry reg = new AssetRegistry(w);
        AssetLoader l = AssetLoader.builder(server.base(), reg).client(client).initialBlockSize(8192)
                .timeout(Duration.ofSeconds(10)).build();
        String name = "r" + ids.incrementAndGet() + ".bin";
        String path = (chunked ? "stepschunked/" : "steps/") + SIZE + "/" + name;
        String what = event + " " + moment + (chunked ? " chunked" : " Content-Length") + (checked ? " checked" : " unchecked");
        User user = new User(w, size -> reg.footprint(size, TIER));
        CompletableFuture<Void> acted = new CompletableFuture<>();
        Runnable act = () -> {
            try {
                long head = w.tierStats(TIER).bumpHead();
                switch (event) {
                    case RESET: w.resetTier(TIER); break;
                    case COMPACT_TO_ZERO: w.fastCompactTier(TIER, 0); break;
                    case COMPACT_INSIDE_CLASS: w.fastCompactTier(TIER, SIZE); break;
                    case COMPACT_SPARING: w.fastCompactTier(TIER, w.capacity(TIER)); break;
                    case REGISTRY_COMPACT: assertEquals(0, reg.compact(TIER)); break;
                    case REGISTRY_CLEAR:
                        assertThrows(IllegalStateException.class, () -> reg.clear(TIER), "a load in flight in the tier");
                        break;
                    case REGISTRY_CLOSE: reg.close(); break;
                    case WALLOC_CLOSE: w.close(); break;
                    default: throw new AssertionError(event);
                }
                if (!w.isClosed()) {
                    user.allocate(SIZE); // the same size in the same tier, as the user does
                    while (w.tierStats(TIER).bumpHead() < head) {
                        user.allocate(4096); // and whatever else the load may have held
                    }
                }
                acted.complete(null);
            } catch (Throwable t) {
                acted.completeExceptionally(t);
            } finally {
                server.send(name, 100);
            }
        };
        LoadCancelRaceTest.Hooks h = new LoadCancelRaceTest.Hooks();
        switch (moment) {
            case BEFORE_FIRST_CHUNK:
                h.beforeFirstChunk = act;
                server.send(name, 1);
                break;
            case AFTER_ONE_CHUNK:
            case AFTER_TWO_CHUNKS:
                int pieces = moment == Moment.AFTER_ONE_CHUNK ? 1 : 2; // two fill the first 8 KiB block
                h.afterBytes = n -> {
                    if (n == pieces * 4096L) {
                        act.run();
                    }
                };
                server.send(name, pieces);
                break;
            default:
                h.beforeComplete = act;
                server.send(name, 100);
        }
        hooks.put("/" + path, h);
        try {
            CompletableFuture<Asset> f = l.load(path, AssetType.JSON, TIER);
            f.handle((a, x) -> null).get(20, TimeUnit.SECONDS);
            acted.get(10, TimeUnit.SECONDS); // the hook ran, and the user's part in it held
            Outcome o = expected(event, chunked);
            boolean loaded = !f.isCompletedExceptionally();
            if (o == Outcome.LOADED || o == Outcome.EITHER && loaded) {
                Asset a = f.join();
                assertSame(a, reg.peek(path), what + ": registered");
                assertArrayEquals(TestServer.bytes(name, SIZE), a.readAll(), what + ": the body's bytes");
            } else {
                CompletionException ce = assertThrows(CompletionException.class, f::join, what);
                AssetLoadException x = assertInstanceOf(AssetLoadException.class, ce.getCause(), what);
                AssetLoadException.Reason r = o == Outcome.CANCELLED ? AssetLoadException.Reason.CANCELLED
                        : AssetLoadException.Reason.RELEASED;
                assertEquals(r, x.reason(), what + ": " + x.getMessage());
                assertEquals(path, x.path());
                assertTrue(x.getMessage().contains("'" + path + "'"), x.getMessage());
                assertFalse(reg.contains(path), what + ": a failed load registers nothing");
            }
            assertEquals(0, l.inFlight(), what + ": nothing left in flight");
            if (!w.isClosed()) {
                user.check(what + ": the user's blocks after the load");
                // never freed later: the user's blocks stay theirs through more allocations
                for (int i = 0; i < 4; i++) {
                    user.allocate(SIZE);
                }
                for (int i = 0; i < 16; i++) {
                    user.allocate(4096);
                }
                user.check(what + ": the user's blocks after more allocations");
                if (event == Event.RESET || event == Event.COMPACT_TO_ZERO || event == Event.REGISTRY_CLOSE
                        || event == Event.REGISTRY_CLEAR) {
                    // no compaction left forgotten free blocks that still count as live
                    assertEquals(user.count() + (loaded ? 1 : 0), w.tierStats(TIER).liveBlocks(),
                            what + ": live blocks are the user's and the asset's");
                }
            }
        } finally {
            hooks.remove("/" + path);
            l.close();
            reg.close();
            w.close();
        }
    }

    /**
     * The same orders, raced: loads stream bodies (with and without a length, growing) while
     * another thread keeps resetting or compacting the tier and filling it with its own blocks.
     * A chunk written after its block was released would land in one of those blocks; none may.
     */
    @Test
    void loadsRacingResetsAndCompactionsNeverWriteIntoTheUsersBlocks() throws Exception {
        for (boolean checked : new boolean[] {true, false}) {
            Walloc w = Walloc.create(WallocConfig.builder().capacity(16L << 20).checked(checked).build());
            AssetRegistry reg = new AssetRegistry(w);
            AssetLoader l = AssetLoader.builder(server.base(), reg).initialBlockSize(4096).build();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> loadFailure = new AtomicReference<>();
            AtomicInteger loaded = new AtomicInteger();
            AtomicInteger released = new AtomicInteger();
            Thread loads = new Thread(() -> {
                try {
                    for (int round = 0; !stop.get(); round++) {
                        List<LoadRequest> reqs = new ArrayList<>();
                        for (int i = 0; i < 8; i++) {
                            reqs.add(LoadRequest.of((i % 2 == 0 ? "chunked" : "fixed") + "/30000/race" + round + "-" + i
                                    + ".bin", AssetType.JSON, TIER));
                        }
                        BatchLoad b = l.loadBatch(reqs, 4, null);
                        b.done().get(20, TimeUnit.SECONDS);
                        for (int i = 0; i < reqs.size(); i++) {
                            CompletableFuture<Asset> f = b.future(i);
                            if (f.isCompletedExceptionally()) {
                                AssetLoadException x = assertInstanceOf(AssetLoadException.class,
                                        assertThrows(CompletionException.class, f::join).getCause());
                                assertEquals(AssetLoadException.Reason.RELEASED, x.reason(), x.getMessage());
                                released.incrementAndGet();
                            } else {
                                loaded.incrementAndGet();
                                reg.evict(reqs.get(i).path()); // frees nothing when a reset took it since
                            }
                        }
                    }
                } catch (Throwable t) {
                    loadFailure.set(t);
                }
            }, "racing-loads");
            loads.start();
            long least = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
            long most = System.nanoTime() + TimeUnit.SECONDS.toNanos(15); // a starved machine: go on until loads lost blocks
            try {
                for (int round = 0; (System.nanoTime() < least || released.get() < 5) && System.nanoTime() < most
                        && loadFailure.get() == null; round++) {
                    if (round % 2 == 0) {
                        w.resetTier(TIER);
                    } else {
                        w.fastCompactTier(TIER, 0);
                    }
                    User user = new User(w, size -> reg.footprint(size, TIER));
                    for (int i = 0; i < 12; i++) {
                        user.allocate(30_000); // where the loads' blocks were a moment ago
                    }
                    Thread.sleep(1);
                    user.check(checked + ", round " + round);
                }
            } finally {
                stop.set(true);
                loads.join(30_000);
            }
            if (loadFailure.get() != null) {
                throw new AssertionError("a load ended otherwise than loaded or RELEASED", loadFailure.get());
            }
            assertTrue(released.get() >= 5, "loads lost their blocks: " + released + " (" + loaded + " loaded)");
            assertEquals(0, l.inFlight());
            l.close();
            reg.close();
            w.close();
        }
    }

    /** The user's blocks, each filled with its own pattern. */
    private static final class User {
        private final Walloc w;
        private final java.util.function.LongUnaryOperator footprint;
        private final List<Block> blocks = new ArrayList<>();

        User(Walloc w, java.util.function.LongUnaryOperator footprint) {
            this.w = w;
            this.footprint = footprint;
        }

        void allocate(long size) {
            Block b = w.allocateBlock(size, TIER);
            b.write(0, pattern(blocks.size(), (int) size));
            blocks.add(b);
        }

        int count() {
            return blocks.size();
        }

        void check(String what) {
            for (int i = 0; i < blocks.size(); i++) {
                Block a = blocks.get(i);
                assertTrue(a.isAlive(), what + ": block " + i);
                assertArrayEquals(pattern(i, (int) a.size()), a.read(0, (int) a.size()), what + ": pattern of block " + i
                        + " at " + Long.toHexString(a.handle()));
                long aEnd = a.handle() + footprint.applyAsLong(a.size());
                for (int j = i + 1; j < blocks.size(); j++) {
                    Block b = blocks.get(j);
                    if (a.handle() < b.handle() + footprint.applyAsLong(b.size()) && b.handle() < aEnd) {
                        fail(what + ": user blocks " + i + " and " + j + " overlap");
                    }
                }
            }
        }
    }

    static byte[] pattern(int seed, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 29 + i * 3 + (i >> 9) + 1);
        }
        return b;
    }
}
