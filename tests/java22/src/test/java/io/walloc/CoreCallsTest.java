package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Allocate and free as FFM critical downcalls (JDK 22+): used here; a critical downcall never waits
 * (a reset that closes segments' arenas, a JVM handshake, runs while threads allocate without
 * deadlocking); outcomes under resets and a close in the middle are the documented ones; every
 * block a thread holds keeps its bytes.
 */
class CoreCallsTest {
    @Test
    void allocateAndFreeAreDowncallsOnThisJdk() {
        assertTrue(CoreCalls.downcalls(), "JDK " + Runtime.version().feature() + ": no FFM downcalls");
        try (Walloc w = Walloc.create(WallocConfig.builder().capacity(8L << 20).threadCache(false).build())) {
            long h = w.allocate(100, Tier.MIDDLE);
            assertNotEquals(Walloc.NULL, h);
            w.free(h, 100);
            assertEquals(0, w.tierStats(Tier.MIDDLE).liveBlocks());
            assertThrows(WallocOutOfMemoryException.class, () -> w.allocate(w.capacity(Tier.MIDDLE), Tier.MIDDLE));
            assertEquals(1, w.tierStats(Tier.MIDDLE).failedAllocs(), "a refused allocation is counted once");
        }
    }

    /**
     * Four threads allocate, fill, check and free raw blocks in TOP and MIDDLE (no thread cache:
     * every call a downcall) while another thread resets BOTTOM, where it keeps making segments, so
     * each reset closes arenas (a handshake with every thread) while the others are in downcalls.
     * Then the instance closes under them: later calls throw IllegalStateException.
     */
    @Test
    void downcallsRaceResetsWithSegmentsAndAClose() throws Exception {
        Walloc w = Walloc.create(WallocConfig.builder().capacity(64L << 20).threadCache(false).build());
        AtomicReference<Throwable> bad = new AtomicReference<>();
        AtomicLong pairs = new AtomicLong(), closedSeen = new AtomicLong(), resets = new AtomicLong();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            ts.add(new Thread(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                long[] hs = new long[16];
                long[] ns = new long[16];
                byte[] buf = new byte[512];
                try {
                    for (;;) {
                        int k = r.nextInt(16);
                        if (hs[k] != 0) {
                            byte[] got = w.readData(hs[k] - 1, (int) ns[k]);
                            for (byte b : got) {
                                if (b != (byte) k) {
                                    throw new AssertionError("block " + k + " lost its bytes");
                                }
                            }
                            w.free(hs[k] - 1, ns[k]);
                            hs[k] = 0;
                            pairs.incrementAndGet();
                        } else {
                            long n = 1 + r.nextInt(512);
                            long h = w.allocate(n, (k & 1) == 0 ? Tier.TOP : Tier.MIDDLE);
                            java.util.Arrays.fill(buf, (byte) k);
                            w.writeData(h, buf, 0, (int) n);
                            hs[k] = h + 1;
                            ns[k] = n;
                        }
                    }
                } catch (IllegalStateException closed) {
                    closedSeen.incrementAndGet();
                } catch (Throwable e) {
                    bad.compareAndSet(null, e);
                }
            }));
        }
        Thread resetter = new Thread(() -> {
            try {
                for (;;) {
                    for (int i = 0; i < 8; i++) {
                        MemorySegment s = Segments.of(w.allocateBlock(256, Tier.BOTTOM));
                        s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 1);
                    }
                    w.resetTier(Tier.BOTTOM);
                    resets.incrementAndGet();
                }
            } catch (IllegalStateException closed) {
                closedSeen.incrementAndGet();
            } catch (Throwable e) {
                bad.compareAndSet(null, e);
            }
        });
        ts.forEach(Thread::start);
        resetter.start();
        Thread.sleep(1500);
        w.close();
        for (Thread t : ts) {
            t.join(20_000);
            assertTrue(!t.isAlive(), "a thread is stuck (deadlock?)");
        }
        resetter.join(20_000);
        assertTrue(!resetter.isAlive(), "the resetter is stuck (deadlock?)");
        if (bad.get() != null) {
            throw new AssertionError(bad.get());
        }
        assertEquals(5, closedSeen.get(), "every thread saw the close");
        assertTrue(pairs.get() > 1000 && resets.get() > 10, pairs + " pairs, " + resets + " resets");
    }
}
