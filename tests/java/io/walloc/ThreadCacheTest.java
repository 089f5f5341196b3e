package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java thread cache in front of JNI ({@link ThreadCache}, {@link WallocConfig#threadCache()}). */
class ThreadCacheTest extends WallocTestBase {

    private Walloc openCached() {
        return open(WallocConfig.builder().capacity(16L << 20).build());
    }

    /** The core's own figures, without the cache's corrections. */
    private static long[] coreStats(Walloc w, Tier t) {
        long[] v = new long[TierStats.SLOTS];
        assertEquals(0, WallocNative.tierStats(w.nativeInstance(), t.code(), v));
        return v;
    }

    @Test
    void onByDefaultOffInCheckedModeOrOnRequest() {
        assertTrue(WallocConfig.defaults().threadCache());
        assertFalse(WallocConfig.builder().checked(true).build().threadCache());
        assertFalse(WallocConfig.builder().threadCache(false).build().threadCache());
        assertTrue(WallocConfig.defaults().toString().contains("threadCache=true"));
    }

    @Test
    void aFreedBlockIsReusedWithoutTheCoreAndTheStatisticsSayWhatTheCallerDid() {
        Walloc w = openCached();
        long h = w.allocate(64, Tier.BOTTOM);
        w.free(h, 64);
        assertEquals(h, w.allocate(64, Tier.BOTTOM), "the freed block comes back from the bin");
        assertEquals(1, coreStats(w, Tier.BOTTOM)[TierStats.TOTAL_ALLOCS], "the core saw one allocation");
        TierStats s = w.tierStats(Tier.BOTTOM);
        assertEquals(2, s.totalAllocs());
        assertEquals(1, s.totalFrees());
        assertEquals(1, s.liveBlocks());
        assertEquals(64, s.liveBytes());
        w.free(h, 64);
        s = w.tierStats(Tier.BOTTOM);
        assertEquals(2, s.totalFrees());
        assertEquals(0, s.liveBlocks());
        assertEquals(0, s.liveBytes());
        assertTrue(s.freeBytes() >= 64, s.toString());
        assertEquals(1, coreStats(w, Tier.BOTTOM)[TierStats.LIVE_BLOCKS], "the core still counts it live: it sits in the bin");
    }

    @Test
    void blocksUseTheBinsTooAndABlockClosedAfterAResetNeverEntersThem() {
        Walloc w = openCached();
        Block b = w.allocateBlock(64, Tier.MIDDLE);
        long h = b.handle();
        b.close();
        Block again = w.allocateBlock(64, Tier.MIDDLE);
        assertEquals(h, again.handle(), "from the bin");
        assertEquals(1, coreStats(w, Tier.MIDDLE)[TierStats.TOTAL_ALLOCS], "the core saw one allocation");
        again.write(0, new byte[64]);
        assertTrue(again.isAlive());

        Block stale = w.allocateBlock(64, Tier.MIDDLE);
        w.resetTier(Tier.MIDDLE);
        assertFalse(stale.isAlive());
        Set<Long> live = new HashSet<>();
        for (int i = 0; i < 8; i++) { // the core hands the same addresses out again
            assertTrue(live.add(w.allocateBlock(64, Tier.MIDDLE).handle()));
        }
        stale.close(); // released by the reset: not freed, and never into a bin
        again.close();
        for (int i = 0; i < 8; i++) {
            assertTrue(live.add(w.allocateBlock(64, Tier.MIDDLE).handle()), "a block handed out twice after reset");
        }
        w.resetTier(Tier.MIDDLE);
    }

    @Test
    void aThreadsBinsHoldAtMostTheirBudget() {
        Walloc w = open(WallocConfig.builder().capacity(64L << 20).build()); // BOTTOM 12.8 MiB
        long budget = Math.min(256L << 10, w.capacity(Tier.BOTTOM) / 64);
        SplittableRandom r = new SplittableRandom(5);
        int n = 4000; // about 9 MiB
        long[] hs = new long[n];
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            sizes[i] = r.nextInt(1, 4097); // every size class up to 4 KiB
            hs[i] = w.allocate(sizes[i], Tier.BOTTOM);
        }
        for (int i = 0; i < n; i++) {
            w.free(hs[i], sizes[i]);
        }
        long[] core = coreStats(w, Tier.BOTTOM);
        assertTrue(core[TierStats.LIVE_BYTES] > 0, "some blocks wait in the bins");
        assertTrue(core[TierStats.LIVE_BYTES] <= budget, core[TierStats.LIVE_BYTES] + " bytes in this thread's bins, more than " + budget);
        TierStats s = w.tierStats(Tier.BOTTOM);
        assertEquals(0, s.liveBytes(), s.toString());
        assertEquals(0, s.liveBlocks(), s.toString());
        assertEquals(n, s.totalFrees());
    }

    @Test
    void aLargeFreeAtTheTopForgetsTheBoundSoAStaleSmallFreeGoesToTheCore() {
        Walloc w = openCached();
        long small = w.allocate(64, Tier.BOTTOM);
        long big = w.allocate(128 << 10, Tier.BOTTOM); // large, at the top: its free lowers the core's head
        w.free(big, 128 << 10);
        // A wrong free of memory no longer handed out: the core refuses it; a bin must not take it.
        assertThrows(IndexOutOfBoundsException.class, () -> w.free(big, 64));
        w.free(small, 64);
    }

    @Test
    void binnedBlocksBelowACompactionsKeepSurviveIt() {
        Walloc w = openCached();
        long a = w.allocate(64, Tier.MIDDLE);
        long b = w.allocate(64, Tier.MIDDLE);
        w.free(a, 64); // into the bin
        w.fastCompactTier(Tier.MIDDLE, Math.max(a, b) + 64 - tierStart(w, Tier.MIDDLE)); // keeps a and b
        assertEquals(a, w.allocate(64, Tier.MIDDLE), "a lies below keep: still a valid block, served from the bin");
        w.resetTier(Tier.MIDDLE);
    }

    private static long tierStart(Walloc w, Tier t) {
        return t == Tier.TOP ? 0 : t == Tier.MIDDLE ? w.capacity(Tier.TOP) : w.capacity(Tier.TOP) + w.capacity(Tier.MIDDLE);
    }

    @Test
    void offSendsEveryCallToTheCore() {
        Walloc w = open(WallocConfig.builder().capacity(16L << 20).threadCache(false).build());
        long h = w.allocate(64, Tier.BOTTOM);
        w.free(h, 64);
        w.free(w.allocate(64, Tier.BOTTOM), 64);
        assertEquals(2, coreStats(w, Tier.BOTTOM)[TierStats.TOTAL_ALLOCS]);
        assertEquals(2, coreStats(w, Tier.BOTTOM)[TierStats.TOTAL_FREES]);
    }

    @Test
    void aBlockServesOnlyRequestsOfItsGranuleCount() {
        Walloc w = openCached();
        long small = w.allocate(8, Tier.BOTTOM);
        long keep = w.allocate(8, Tier.BOTTOM); // so small is not the last block
        w.free(small, 8);
        long bigger = w.allocate(9, Tier.BOTTOM);
        assertNotEquals(small, bigger, "an 8-byte block never serves 9 bytes");
        assertEquals(small, w.allocate(1, Tier.BOTTOM), "1..8 bytes share the 8-byte granule");
        long top = w.allocate(100, Tier.TOP);
        w.free(top, 100);
        long two = w.allocate(129, Tier.TOP);
        assertNotEquals(top, two, "129 bytes need two 128-byte granules");
        assertEquals(top, w.allocate(128, Tier.TOP));
        w.free(top, 128);
        w.free(two, 129);
        w.free(small, 1);
        w.free(bigger, 9);
        w.free(keep, 8);
    }

    @Test
    void aResetDropsTheBinsSoNoBlockIsHandedOutTwice() {
        Walloc w = openCached();
        long[] first = new long[16];
        for (int i = 0; i < first.length; i++) {
            first[i] = w.allocate(64, Tier.MIDDLE);
        }
        for (long h : first) {
            w.free(h, 64); // all in this thread's bin
        }
        w.resetTier(Tier.MIDDLE);
        TierStats s = w.tierStats(Tier.MIDDLE);
        assertEquals(0, s.liveBlocks(), s.toString());
        assertEquals(0, s.freeBytes(), "the bins of the old epoch are not counted: " + s);
        // Stale bins would hand the 16 old handles out again while the core's bump head, back
        // at the tier's start, hands out the same addresses: duplicates among 32 live blocks.
        Set<Long> live = new HashSet<>();
        for (int i = 0; i < 32; i++) {
            assertTrue(live.add(w.allocate(64, Tier.MIDDLE)), "handed out twice after reset");
        }
        w.resetTier(Tier.MIDDLE);
    }

    @Test
    void aCompactionDropsTheBinsAndKeepsTheBlocksBelowKeep() {
        Walloc w = openCached();
        long kept = w.allocate(4096, Tier.TOP);
        long[] above = new long[8];
        for (int i = 0; i < above.length; i++) {
            above[i] = w.allocate(256, Tier.TOP);
        }
        for (long h : above) {
            w.free(h, 256);
        }
        w.fastCompactTier(Tier.TOP, 4096);
        Set<Long> live = new HashSet<>();
        live.add(kept);
        for (int i = 0; i < 16; i++) {
            long h = w.allocate(256, Tier.TOP);
            assertTrue(h >= kept + 4096, "nothing overlaps the kept block");
            assertTrue(live.add(h), "handed out twice after compaction");
        }
        w.free(kept, 4096); // still a valid block: the core takes it back
        w.resetTier(Tier.TOP);
    }

    @Test
    void freesTheCacheCannotVouchForGoToTheCoreAndFail() {
        Walloc w = openCached();
        long h = w.allocate(256, Tier.TOP);
        assertThrows(InvalidHandleException.class, () -> w.free(h + 8, 256), "misaligned");
        assertThrows(IndexOutOfBoundsException.class, () -> w.free(h + (1L << 20), 256), "never handed out");
        w.free(h, 256);
        assertEquals(1, coreStats(w, Tier.TOP)[TierStats.LIVE_BLOCKS], "the valid free went to the bin, the bad ones nowhere");
        TierStats s = w.tierStats(Tier.TOP);
        assertEquals(0, s.liveBlocks());
        assertEquals(1, s.totalFrees());

        // A size whose block would end past the highest block handed out: not for the bin. The
        // core decides (unchecked mode accepts a range inside its bump head, which runs ahead).
        Walloc w2 = openCached();
        allowLive(w2);
        long last = w2.allocate(64, Tier.BOTTOM);
        try {
            w2.free(last, 4096);
            assertEquals(1, coreStats(w2, Tier.BOTTOM)[TierStats.TOTAL_FREES], "the core, not a bin, took that free");
        } catch (IndexOutOfBoundsException coreRefused) {
            assertEquals(0, coreStats(w2, Tier.BOTTOM)[TierStats.TOTAL_FREES]);
        }
    }

    @Test
    void afterCloseTheCachedPathThrowsLikeTheRest() {
        Walloc w = openCached();
        long h = w.allocate(64, Tier.BOTTOM);
        w.free(h, 64);
        long h2 = w.allocate(64, Tier.BOTTOM);
        w.close();
        assertThrows(IllegalStateException.class, () -> w.allocate(64, Tier.BOTTOM));
        assertEquals(Walloc.NULL, assertThrowsOrNull(() -> w.tryAllocate(64, Tier.BOTTOM)));
        assertThrows(IllegalStateException.class, () -> w.free(h2, 64));
    }

    private static long assertThrowsOrNull(java.util.function.LongSupplier call) {
        assertThrows(IllegalStateException.class, call::getAsLong);
        return Walloc.NULL;
    }

    @Test
    void aDeadThreadsBinsGoBackToTheCore() throws Exception {
        Walloc w = openCached();
        Thread t = new Thread(() -> {
            long[] hs = new long[8];
            for (int i = 0; i < hs.length; i++) {
                hs[i] = w.allocate(200, Tier.MIDDLE);
            }
            for (long h : hs) {
                w.free(h, 200);
            }
        });
        t.start();
        t.join();
        assertEquals(8, coreStats(w, Tier.MIDDLE)[TierStats.LIVE_BLOCKS], "the dead thread's bin holds them");
        assertEquals(0, w.tierStats(Tier.MIDDLE).liveBlocks());
        Thread next = new Thread(() -> w.free(w.allocate(64, Tier.BOTTOM), 64)); // makes bins: reclaims
        next.start();
        next.join();
        assertEquals(0, coreStats(w, Tier.MIDDLE)[TierStats.LIVE_BLOCKS], "given back to the core");
        TierStats s = w.tierStats(Tier.MIDDLE);
        assertEquals(8, s.totalAllocs());
        assertEquals(8, s.totalFrees(), "a block given back is not a second free: " + s);
    }

    /**
     * Eight threads allocate raw handles (mostly small enough for the bins), record each live
     * block in a shared map, fill it with a pattern of a unique serial, hand it to another thread
     * which verifies and frees it. No two live blocks may overlap, every pattern must survive,
     * and the statistics must add up at the end.
     */
    @Test
    @Timeout(120)
    void eightThreadsRawHandlesAcrossThreadsNeverOverlap() throws Exception {
        Walloc w = open(WallocConfig.builder().capacity(64L << 20).build());
        ConcurrentSkipListMap<Long, Long> liveEnds = new ConcurrentSkipListMap<>();
        ConcurrentLinkedQueue<long[]> shared = new ConcurrentLinkedQueue<>(); // {handle, size, serial, tier}
        AtomicLong serials = new AtomicLong();
        int[] sizes = {8, 24, 64, 100, 256, 1000, 4096, 5000};
        concurrently(8, "raw-stress", (t, stop) -> {
            SplittableRandom r = new SplittableRandom(99 + t);
            List<long[]> mine = new ArrayList<>();
            for (int i = 0; i < 40_000 && !stop.getAsBoolean(); i++) {
                int op = r.nextInt(4);
                if (op < 2 || (mine.isEmpty() && shared.isEmpty())) {
                    Tier tier = Tier.values()[r.nextInt(3)];
                    int size = sizes[r.nextInt(sizes.length)] - r.nextInt(8);
                    long h = w.allocate(size, tier);
                    long end = h + size;
                    Map.Entry<Long, Long> below = liveEnds.floorEntry(end - 1);
                    if (below != null && below.getValue() > h) {
                        throw new AssertionError("block " + h + "+" + size + " overlaps live " + below);
                    }
                    if (liveEnds.putIfAbsent(h, end) != null) {
                        throw new AssertionError("handle " + h + " handed out twice");
                    }
                    long serial = serials.incrementAndGet();
                    w.writeData(h, pattern((int) serial, size));
                    long[] b = {h, size, serial};
                    if (r.nextBoolean()) {
                        mine.add(b);
                    } else {
                        shared.add(b);
                    }
                } else {
                    long[] b = op == 2 && !mine.isEmpty() ? mine.remove(mine.size() - 1) : shared.poll();
                    if (b == null) {
                        continue;
                    }
                    byte[] got = w.readData(b[0], (int) b[1]);
                    if (!java.util.Arrays.equals(got, pattern((int) b[2], (int) b[1]))) {
                        throw new AssertionError("block " + b[0] + " of " + b[1] + " bytes corrupted");
                    }
                    liveEnds.remove(b[0]);
                    w.free(b[0], b[1]);
                }
            }
            for (long[] b : mine) {
                liveEnds.remove(b[0]);
                w.free(b[0], b[1]);
            }
        });
        for (long[] b; (b = shared.poll()) != null;) {
            w.free(b[0], b[1]);
        }
        assertTrue(serials.get() > 100_000, "allocations: " + serials.get());
        long allocs = 0;
        for (Tier t : Tier.values()) {
            TierStats s = w.tierStats(t);
            assertEquals(0, s.liveBlocks(), s.toString());
            assertEquals(0, s.liveBytes(), s.toString());
            assertEquals(s.totalAllocs(), s.totalFrees(), s.toString());
            allocs += s.totalAllocs();
        }
        assertEquals(serials.get(), allocs, "every allocation counted once");
    }
}
