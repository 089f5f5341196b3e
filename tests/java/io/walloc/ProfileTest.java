package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The allocation profile (WallocConfig.profile): which allocations are sampled, what their sites
 * add up to, how frees, resets and compactions take samples off, the leak report at close, the
 * table's overflow, many threads at one site. At rate 1 every block is a sample, so a tier's
 * sites must add up exactly to its TierStats; that is the invariant most tests check.
 */
class ProfileTest extends WallocTestBase {
    /** The three ways an instance allocates: the thread cache, JNI for every call, checked mode. */
    static Stream<Arguments> modes() {
        return Stream.of(Arguments.of("thread cache", false, true), Arguments.of("no thread cache", false, false),
                Arguments.of("checked", true, true));
    }

    private Walloc profiled(int rate, boolean checked, boolean threadCache) {
        return open(WallocConfig.builder().capacity(64L << 20).checked(checked).threadCache(threadCache).profile(rate)
                .leakListener(r -> { }).build());
    }

    private Walloc profiled(int rate) {
        return profiled(rate, false, true);
    }

    /* The sites whose innermost frame is in method (its callers may differ), as one. */
    private static AllocationSite at(ProfileSnapshot p, String method) {
        Map<Tier, AllocationSite.Counts> sum = new EnumMap<>(Tier.class);
        for (Tier t : Tier.values()) {
            sum.put(t, AllocationSite.Counts.NONE);
        }
        int found = 0;
        for (AllocationSite s : p.sites()) {
            if (!s.frames().isEmpty() && s.frames().get(0).contains("." + method + "(")) {
                found++;
                for (Tier t : Tier.values()) {
                    AllocationSite.Counts a = sum.get(t);
                    AllocationSite.Counts b = s.counts(t);
                    sum.put(t, new AllocationSite.Counts(a.allocations() + b.allocations(), a.liveBlocks() + b.liveBlocks(),
                            a.liveBytes() + b.liveBytes()));
                }
            }
        }
        assertTrue(found > 0, "a site in " + method + ": " + p.sites());
        return new AllocationSite(0, AllocationSite.Kind.STACK, List.of(method), sum);
    }

    /* Every tier's sites add up to its statistics (rate 1: every live block is a sample). */
    private static void assertSitesAddUpToStats(Walloc w) {
        ProfileSnapshot p = w.profile();
        for (Tier t : Tier.values()) {
            TierStats s = w.tierStats(t);
            AllocationSite.Counts c = p.total(t);
            assertEquals(s.liveBlocks(), c.liveBlocks(), t + " live blocks: " + s + " vs " + p);
            assertEquals(s.liveBytes(), c.liveBytes(), t + " live bytes: " + s + " vs " + p);
        }
    }

    // ------------------------------------------------------------------ configuration

    @Test
    void withoutAProfileProfileThrowsAndNamedBlocksAreBlocks() {
        Walloc w = open(WallocConfig.builder().capacity(8L << 20).build());
        assertFalse(w.config().profiling());
        assertEquals(0, w.config().profileRate());
        IllegalStateException e = assertThrows(IllegalStateException.class, w::profile);
        assertTrue(e.getMessage().contains("profile(rate)"), e.getMessage());
        try (Block b = w.allocateBlock(100, Tier.TOP, "asset:x.png")) {
            assertEquals(100, b.size());
            assertEquals(Tier.TOP, b.tier());
        }
        assertThrows(NullPointerException.class, () -> w.allocateBlock(100, Tier.TOP, null));
    }

    @Test
    void badProfileSettingsAreRefused() {
        WallocConfig.Builder b = WallocConfig.builder();
        for (int rate : new int[] {0, -1, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.profile(rate));
            assertTrue(e.getMessage().contains("rate"), e.getMessage());
        }
        for (int sites : new int[] {0, -5, WallocConfig.MAX_PROFILE_SITES + 1}) {
            assertThrows(IllegalArgumentException.class, () -> b.profileSites(sites));
        }
        for (int depth : new int[] {0, -1, WallocConfig.MAX_PROFILE_DEPTH + 1}) {
            assertThrows(IllegalArgumentException.class, () -> b.profileDepth(depth));
        }
        assertThrows(NullPointerException.class, () -> b.leakListener(null));
        WallocConfig d = WallocConfig.builder().profile(1000).build();
        assertEquals(1000, d.profileRate());
        assertEquals(WallocConfig.DEFAULT_PROFILE_SITES, d.profileSites());
        assertEquals(1024, d.profileSites()); // the core's default
        assertEquals(8, d.profileDepth());
        assertNotNull(d.leakListener());
        assertTrue(d.toString().contains("profile=1/1000"), d.toString());
        WallocConfig max = WallocConfig.builder().profile(Integer.MAX_VALUE).profileSites(WallocConfig.MAX_PROFILE_SITES)
                .profileDepth(WallocConfig.MAX_PROFILE_DEPTH).build();
        try (Walloc w = Walloc.create(max)) {
            ProfileSnapshot p = w.profile();
            assertEquals(Integer.MAX_VALUE, p.rate());
            assertEquals(WallocConfig.MAX_PROFILE_SITES, p.maxSites());
            assertTrue(p.sites().isEmpty());
        }
    }

    @Test
    void profileAfterCloseThrows() {
        Walloc w = profiled(1);
        w.close();
        assertThrows(IllegalStateException.class, w::profile);
    }

    // ------------------------------------------------------------------ exact counts at rate 1

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void atRate1EverySiteIsCountedExactlyAndAddsUpToTierStats(String mode, boolean checked, boolean threadCache) {
        Walloc w = profiled(1, checked, threadCache);
        List<Runnable> frees = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long h = w.allocate(64 + i % 200, Tier.BOTTOM);
            long size = 64 + i % 200;
            frees.add(() -> w.free(h, size));
        }
        for (int i = 0; i < 40; i++) {
            Block b = w.allocateBlock(3000 + 100 * i, Tier.TOP); // 3000..6900: classes and large blocks
            frees.add(b::close);
        }
        Block z = w.allocateBlockZeroed(20_000, Tier.MIDDLE);
        frees.add(z::close);
        long hz = w.allocateZeroed(100, Tier.MIDDLE);
        frees.add(() -> w.free(hz, 100));
        long ht = w.tryAllocate(5000, Tier.MIDDLE);
        frees.add(() -> w.free(ht, 5000));
        long[] sizes = {1, 2, 300, 9000, 64};
        int[] tiers = {0, 1, 2, 2, 0};
        long[] out = new long[5];
        w.allocateBatch(sizes, tiers, out);
        for (int i = 0; i < 5; i++) {
            long h = out[i];
            long s = sizes[i];
            frees.add(() -> w.free(h, s));
        }
        long[] byTier = w.allocateBatch(new long[] {10, 20}, new Tier[] {Tier.TOP, Tier.TOP});
        frees.add(() -> w.free(byTier[0], 10));
        frees.add(() -> w.free(byTier[1], 20));

        ProfileSnapshot p = w.profile();
        assertEquals(1, p.rate());
        assertEquals(0, p.overflowSamples());
        assertEquals(0, p.lostSamples());
        // one site per allocating line, all in this method (allocateBlockZeroed and the Tier[]
        // allocateBatch call other methods of Walloc: allocator frames, left out)
        assertEquals(7, p.sites().size(), p.toString());
        for (AllocationSite s : p.sites()) {
            assertEquals(AllocationSite.Kind.STACK, s.kind());
            assertTrue(s.frames().get(0).startsWith("io.walloc.ProfileTest.atRate1EverySiteIsCountedExactly"),
                    "innermost frame is the test's, no allocator frame: " + s.frames());
            assertTrue(s.frames().size() <= 8, s.frames().toString());
            for (Tier t : Tier.values()) {
                assertEquals(s.allocations(t), s.liveBlocks(t), "nothing freed yet: " + s);
            }
        }
        long total = p.sites().stream().mapToLong(s -> s.liveBlocks()).sum();
        assertEquals(300 + 40 + 1 + 1 + 1 + 5 + 2, total);
        assertEquals(300, p.sites().stream().mapToLong(s -> s.allocations(Tier.BOTTOM)).max().orElse(0));
        assertSitesAddUpToStats(w);

        // topSites: by live bytes in the tier, most first, only sites live there
        List<AllocationSite> top = p.topSites(Tier.TOP, 2);
        assertEquals(2, top.size());
        assertTrue(top.get(0).liveBytes(Tier.TOP) >= top.get(1).liveBytes(Tier.TOP));
        assertEquals(40, top.get(0).liveBlocks(Tier.TOP), top.toString());
        assertTrue(p.topSites(Tier.BOTTOM, 100).stream().allMatch(s -> s.liveBytes(Tier.BOTTOM) > 0));
        assertEquals(List.of(), p.topSites(Tier.TOP, 0));

        for (Runnable f : frees) {
            f.run();
        }
        assertSitesAddUpToStats(w);
        for (AllocationSite s : w.profile().sites()) {
            assertEquals(0, s.liveBlocks(), s.toString());
            assertEquals(0, s.liveBytes(), s.toString());
            assertTrue(s.allocations(Tier.BOTTOM) + s.allocations(Tier.MIDDLE) + s.allocations(Tier.TOP) > 0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void liveBytesReturnToZeroWhenEveryBlockIsFreedAtAnyRate(String mode, boolean checked, boolean threadCache) {
        // at rate 10 with the thread cache, most pairs go through the Java bins: a sample that
        // slipped into a bin would never reach the core's free and stay live at its site
        Walloc w = profiled(10, checked, threadCache);
        List<Long> live = new ArrayList<>();
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 200; i++) {
                long h = w.allocate(64, Tier.BOTTOM);
                w.free(h, 64);
                try (Block b = w.allocateBlock(256, Tier.MIDDLE)) {
                    assertTrue(b.isAlive());
                }
                live.add(w.allocate(32 + round, Tier.TOP));
            }
            for (int i = live.size() - 1; i >= 0; i--) {
                w.free(live.get(i), 32 + round);
            }
            live.clear();
        }
        ProfileSnapshot p = w.profile();
        long samples = p.sites().stream().mapToLong(s -> s.allocations(Tier.BOTTOM) + s.allocations(Tier.MIDDLE)
                + s.allocations(Tier.TOP)).sum();
        assertTrue(samples > 2000 && samples < 4000, "about 30000 / 10 samples: " + samples);
        for (AllocationSite s : p.sites()) {
            assertEquals(0, s.liveBlocks(), "every sample freed: " + s);
            assertEquals(0, s.liveBytes(), s.toString());
        }
        for (Tier t : Tier.values()) {
            assertEquals(AllocationSite.Counts.NONE.liveBytes(), p.total(t).liveBytes());
        }
    }

    // ------------------------------------------------------------------ sampling statistics

    /* One sampled allocation site for the statistics tests. */
    private static long allocateCounted(Walloc w) {
        return w.allocate(64, Tier.BOTTOM);
    }

    private static long samplesAt(Walloc w, String method) {
        ProfileSnapshot p = w.profile();
        return p.sites().isEmpty() ? 0 : at(p, method).allocations(Tier.BOTTOM);
    }

    @Test
    void atRate100About1In100AllocationsIsSampled() {
        Walloc w = profiled(100);
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            long h = allocateCounted(w);
            w.free(h, 64);
        }
        long samples = samplesAt(w, "allocateCounted");
        // gaps uniform in [1, 199]: 2000 expected, standard deviation about 26
        assertTrue(Math.abs(samples - n / 100) <= n / 100 / 20, "within 5 % of 2000: " + samples);
    }

    @Test
    void gapsBetweenSamplesAreUniformIn1To2RateMinus1() {
        int rate = 4;
        Walloc w = profiled(rate);
        int[] seen = new int[2 * rate + 2];
        long before = 0;
        int since = 0;
        int gaps = 0;
        for (int i = 0; i < 4000; i++) {
            long h = allocateCounted(w);
            w.free(h, 64);
            since++;
            long now = samplesAt(w, "allocateCounted");
            if (now != before) {
                assertEquals(before + 1, now);
                if (before > 0) { // the first gap counts from the thread's first allocation
                    assertTrue(since >= 1 && since <= 2 * rate - 1, "gap " + since);
                    seen[since]++;
                    gaps++;
                }
                before = now;
                since = 0;
            }
        }
        assertTrue(gaps > 800, "about 1000 gaps: " + gaps);
        for (int g = 1; g <= 2 * rate - 1; g++) {
            double share = seen[g] / (double) gaps;
            assertTrue(share > 0.09 && share < 0.20, "each gap 1.." + (2 * rate - 1) + " about 1/7 of the time: " + g
                    + " seen " + seen[g] + " of " + gaps);
        }
        assertEquals(0, seen[2 * rate]);
    }

    @Test
    void eachThreadCountsDownOnItsOwnFromAFirstGapDrawnLikeTheOthers() throws Exception {
        // rate 2: a thread's first gap is 1, 2 or 3, so its first allocation is a sample one time
        // in 3 (a countdown shared by all threads would sample every other allocation: 1 in 2)
        Walloc w = profiled(2);
        int threads = 1200;
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                long h = allocateCounted(w);
                w.free(h, 64);
            });
            t.start();
            t.join();
        }
        long samples = samplesAt(w, "allocateCounted");
        assertTrue(samples > 330 && samples < 470, "about 1200 / 3 = 400 (sd 16): " + samples);
    }

    @Test
    void threadsAllocatingAtOneSiteAddUpExactly() throws Exception {
        Walloc w = profiled(1);
        int threads = 4;
        int each = 3000;
        long[][] handles = new long[threads][each];
        concurrently(threads, "alloc", (i, stop) -> {
            for (int k = 0; k < each; k++) {
                handles[i][k] = w.allocate(48 + 16 * (k % 4), Tier.MIDDLE);
            }
        });
        ProfileSnapshot p = w.profile();
        assertEquals(1, p.sites().size(), "the same frames from every thread are one site: " + p.sites());
        AllocationSite s = p.sites().get(0);
        assertEquals(threads * each, s.allocations(Tier.MIDDLE));
        assertEquals(threads * each, s.liveBlocks(Tier.MIDDLE));
        assertSitesAddUpToStats(w);
        // every block freed by another thread than its allocator's
        concurrently(threads, "free", (i, stop) -> {
            long[] mine = handles[(i + 1) % threads];
            for (int k = 0; k < each; k++) {
                w.free(mine[k], 48 + 16 * (k % 4));
            }
        });
        AllocationSite after = w.profile().sites().get(0);
        assertEquals(0, after.liveBlocks());
        assertEquals(0, after.liveBytes());
        assertEquals(threads * each, after.allocations(Tier.MIDDLE));
    }

    // ------------------------------------------------------------------ resets, compactions, batches

    private static long[] allocateBottom(Walloc w, int n) {
        long[] h = new long[n];
        for (int i = 0; i < n; i++) {
            h[i] = w.allocate(100, Tier.BOTTOM);
        }
        return h;
    }

    private static long[] allocateMiddle(Walloc w, int n) {
        long[] h = new long[n];
        for (int i = 0; i < n; i++) {
            h[i] = w.allocate(100, Tier.MIDDLE);
        }
        return h;
    }

    /* Large blocks (above the classes) come from the bump head in order: kept by a compaction. */
    private static long[] keptByCompaction(Walloc w) {
        return new long[] {w.allocate(20_000, Tier.TOP), w.allocate(20_000, Tier.TOP)};
    }

    private static long[] releasedByCompaction(Walloc w) {
        return new long[] {w.allocate(20_000, Tier.TOP), w.allocate(30_000, Tier.TOP), w.allocate(64, Tier.TOP)};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void resetAndCompactionTakeOffTheSitesOfWhatTheyRelease(String mode, boolean checked, boolean threadCache) {
        Walloc w = profiled(1, checked, threadCache);
        allocateBottom(w, 50);
        long[] middle = allocateMiddle(w, 30);
        long[] kept = keptByCompaction(w);
        releasedByCompaction(w);
        assertSitesAddUpToStats(w);

        w.resetTier(Tier.BOTTOM);
        ProfileSnapshot p = w.profile();
        assertEquals(0, at(p, "allocateBottom").liveBlocks());
        assertEquals(50, at(p, "allocateBottom").allocations(Tier.BOTTOM), "allocations are kept");
        assertEquals(30, at(p, "allocateMiddle").liveBlocks());
        assertEquals(2, at(p, "keptByCompaction").liveBlocks());
        assertEquals(3, at(p, "releasedByCompaction").liveBlocks());

        long keep = kept[1] + w.footprint(20_000, Tier.TOP); // TOP starts at handle 0
        assertTrue(kept[0] < kept[1], "bump order");
        w.fastCompactTier(Tier.TOP, keep);
        p = w.profile();
        assertEquals(2, at(p, "keptByCompaction").liveBlocks(), p.toString());
        assertEquals(2 * w.footprint(20_000, Tier.TOP), at(p, "keptByCompaction").liveBytes(Tier.TOP));
        assertEquals(0, at(p, "releasedByCompaction").liveBlocks(), p.toString());
        assertEquals(30, at(p, "allocateMiddle").liveBlocks());
        assertSitesAddUpToStats(w);

        // the tiers work on: new samples after the reset are counted and freed as before
        long[] again = allocateBottom(w, 10);
        for (long h : again) {
            w.free(h, 100);
        }
        for (long h : middle) {
            w.free(h, 100);
        }
        w.free(kept[0], 20_000);
        w.free(kept[1], 20_000);
        p = w.profile();
        assertEquals(60, at(p, "allocateBottom").allocations(Tier.BOTTOM));
        for (AllocationSite s : p.sites()) {
            assertEquals(0, s.liveBlocks(), s.toString());
        }
        assertSitesAddUpToStats(w);
    }

    /* A batch whose last entry cannot fit. */
    private static void batchThatDoesNotFit(Walloc w, long tooBig) {
        w.allocateBatch(new long[] {100, 200, 5000, tooBig}, new int[] {2, 2, 2, 2}, new long[4]);
    }

    @Test
    void aBatchThatFailsLeavesNothingLiveAtItsSite() {
        Walloc w = profiled(1);
        long room = w.capacity(Tier.BOTTOM) - 8192;
        w.allocate(room, Tier.BOTTOM); // leaves 8 KiB
        assertThrows(WallocOutOfMemoryException.class, () -> batchThatDoesNotFit(w, 16_384));
        // the big block is live at its site; what the batch made was given back
        AllocationSite s = at(w.profile(), "batchThatDoesNotFit");
        assertEquals(0, s.liveBlocks(), s.toString());
        assertTrue(s.allocations(Tier.BOTTOM) <= 3, s.toString());
        assertEquals(1, w.tierStats(Tier.BOTTOM).liveBlocks());
        assertSitesAddUpToStats(w);
        allowLive(w);
        // bad entries are refused before anything is allocated, as without a profile
        assertThrows(WallocArgumentException.class,
                () -> w.allocateBatch(new long[] {1, 2}, new int[] {2, 7}, new long[2]));
        assertThrows(WallocArgumentException.class,
                () -> w.allocateBatch(new long[] {1, -2}, new int[] {2, 2}, new long[2]));
        assertEquals(1, w.tierStats(Tier.BOTTOM).liveBlocks());
    }

    @Test
    void tryAllocateOfASampleWithoutRoomReturnsNull() {
        Walloc w = profiled(1);
        long cap = w.capacity(Tier.BOTTOM);
        long h = w.tryAllocate(cap, Tier.BOTTOM);
        assertNotEquals(Walloc.NULL, h);
        assertEquals(Walloc.NULL, w.tryAllocate(cap, Tier.BOTTOM));
        assertThrows(WallocOutOfMemoryException.class, () -> w.allocate(cap, Tier.BOTTOM));
        assertThrows(WallocArgumentException.class, () -> w.allocate(-1, Tier.BOTTOM));
        assertThrows(WallocArgumentException.class, () -> w.allocateBlock(cap + 1, Tier.BOTTOM));
        w.free(h, cap);
        assertSitesAddUpToStats(w);
    }

    @Test
    void resetsAndACloseRaceSampledAllocationsSafely() throws Exception {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        Walloc w = open(WallocConfig.builder().capacity(32L << 20).profile(2).leakListener(reports::add).build());
        AtomicInteger closedSeen = new AtomicInteger();
        AtomicLong progress = new AtomicLong();
        long deadline = System.nanoTime() + 20_000_000_000L;
        Thread resetter = new Thread(() -> {
            int resets = 0;
            while (progress.get() < 30_000 && System.nanoTime() < deadline || resets < 100) {
                w.resetTier(Tier.BOTTOM);
                w.profile();
                resets++;
            }
            w.close(); // while the others allocate, free and read the profile
        });
        resetter.start();
        concurrently(3, "sampled", (i, stop) -> {
            List<Block> mine = new ArrayList<>();
            try {
                for (long k = 0; !stop.getAsBoolean(); k++) {
                    long h = w.allocate(64 + k % 64, i == 0 ? Tier.BOTTOM : Tier.MIDDLE);
                    if (k % 2 == 0 && i != 0) {
                        w.free(h, 64 + k % 64);
                    }
                    mine.add(w.allocateBlock(200, Tier.BOTTOM));
                    if (mine.size() > 50) {
                        for (Block b : mine) {
                            b.close(); // a reset may have released it: then close frees nothing
                        }
                        mine.clear();
                    }
                    if (k % 100 == 0) {
                        w.profile();
                    }
                    progress.incrementAndGet();
                }
            } catch (IllegalStateException closed) {
                closedSeen.incrementAndGet();
                for (Block b : mine) {
                    b.close(); // after close: does nothing
                }
            }
        });
        resetter.join();
        assertTrue(w.isClosed());
        assertEquals(3, closedSeen.get(), "every thread ended on the close");
        assertThrows(IllegalStateException.class, w::profile);
        assertTrue(reports.size() <= 1);
        for (LeakReport r : reports) { // what was live at close: MIDDLE's half kept, BOTTOM's since the last reset
            assertTrue(r.liveBlocks() > 0, r.text());
        }
    }

    // ------------------------------------------------------------------ the table's overflow

    @Test
    void sitesBeyondTheTableAreCountedAsOtherSitesAndReported() {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        Walloc w = open(WallocConfig.builder().capacity(8L << 20).profile(1).profileSites(3)
                .leakListener(reports::add).build());
        List<Runnable> frees = new ArrayList<>();
        for (int site = 0; site < 8; site++) { // eight lines, eight sites: three fit
            long h;
            switch (site) {
                case 0: h = w.allocate(64, Tier.BOTTOM); break;
                case 1: h = w.allocate(64, Tier.BOTTOM); break;
                case 2: h = w.allocate(64, Tier.BOTTOM); break;
                case 3: h = w.allocate(64, Tier.BOTTOM); break;
                case 4: h = w.allocate(64, Tier.BOTTOM); break;
                case 5: h = w.allocate(64, Tier.BOTTOM); break;
                case 6: h = w.allocate(64, Tier.BOTTOM); break;
                default: h = w.allocate(64, Tier.BOTTOM); break;
            }
            frees.add(() -> w.free(h, 64));
        }
        w.allocate(64, Tier.BOTTOM); // a ninth, left live
        ProfileSnapshot p = w.profile();
        assertEquals(3, p.maxSites());
        assertEquals(4, p.sites().size(), p.toString());
        AllocationSite other = p.sites().get(3);
        assertEquals(AllocationSite.Kind.OTHER, other.kind());
        assertEquals(AllocationSite.OTHER_ID, other.id());
        assertEquals(List.of(AllocationSite.OTHER_LABEL), other.frames());
        assertEquals(6, other.allocations(Tier.BOTTOM));
        assertEquals(6, p.overflowSamples());
        assertSitesAddUpToStats(w);
        for (Runnable f : frees) {
            f.run();
        }
        assertEquals(1, w.profile().sites().get(3).liveBlocks());
        w.close();
        assertEquals(1, reports.size());
        LeakReport r = reports.get(0);
        assertEquals(1, r.sites().size());
        assertEquals(AllocationSite.Kind.OTHER, r.sites().get(0).kind());
        assertTrue(r.text().contains(AllocationSite.OTHER_LABEL), r.text());
    }

    // ------------------------------------------------------------------ leak reports

    /* The block the leak tests leave live. */
    private static Block leakOneBlockHere(Walloc w) {
        return w.allocateBlock(1000, Tier.TOP);
    }

    @Test
    void closeReportsTheSiteOfABlockLeftLive() {
        List<LeakReport> reports = new CopyOnWriteArrayList<>();
        Walloc w = open(WallocConfig.builder().capacity(8L << 20).profile(1).leakListener(reports::add).build());
        long freed = w.allocate(64, Tier.BOTTOM);
        w.free(freed, 64);
        Block leaked = leakOneBlockHere(w);
        long bytes = w.footprint(1000, Tier.TOP);
        w.close();
        assertFalse(leaked.isAlive());
        assertEquals(1, reports.size());
        LeakReport r = reports.get(0);
        assertEquals(1, r.rate());
        assertEquals(1, r.sites().size(), r.text());
        assertEquals(1, r.liveBlocks());
        assertEquals(bytes, r.liveBytes()); // its size class
        AllocationSite s = r.sites().get(0);
        assertEquals(1, s.liveBlocks(Tier.TOP));
        assertTrue(s.frames().get(0).contains("ProfileTest.leakOneBlockHere("), s.frames().toString());
        assertTrue(s.frames().get(1).contains("ProfileTest.closeReportsTheSiteOfABlockLeftLive("), s.frames().toString());
        assertTrue(r.instance().startsWith("Walloc#"), r.instance());
        String text = r.text();
        assertTrue(text.contains("1 sampled block (" + bytes + " bytes) still live at 1 site"), text);
        assertTrue(text.contains("TOP: 1 block, " + bytes + " bytes"), text);
        assertTrue(text.contains("leakOneBlockHere"), text);
        w.close(); // again: nothing more
        assertEquals(1, reports.size());
    }

    @Test
    void nothingLiveAtCloseMeansNoReport() {
        AtomicInteger reports = new AtomicInteger();
        Walloc w = open(WallocConfig.builder().capacity(8L << 20).profile(1).leakListener(r -> reports.incrementAndGet())
                .build());
        leakOneBlockHere(w).close();
        long h = w.allocate(5000, Tier.MIDDLE);
        w.free(h, 5000);
        w.close();
        assertEquals(0, reports.get());
    }

    @Test
    void aLeakAtRate1000SaysFiguresAreSamples() {
        List<LeakReport> reports = new ArrayList<>();
        Walloc w = open(WallocConfig.builder().capacity(8L << 20).profile(1000).leakListener(reports::add).build());
        for (int i = 0; i < 5000; i++) {
            w.allocate(16, Tier.BOTTOM); // about 5 samples, all leaked
        }
        w.close();
        assertEquals(1, reports.size());
        assertEquals(1000, reports.get(0).rate());
        assertTrue(reports.get(0).text().contains("one allocation in 1000 was sampled"), reports.get(0).text());
    }

    /** Collects what the "io.walloc" logger says (System.Logger goes to java.util.logging here). */
    private static final class Captured extends Handler {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void theDefaultListenerLogsOneWarningAndAThrowingListenerDoesNotStopClose() {
        Logger log = Logger.getLogger("io.walloc");
        Captured c = new Captured();
        log.addHandler(c);
        try {
            Walloc w = open(WallocConfig.builder().capacity(8L << 20).profile(1).build());
            leakOneBlockHere(w);
            w.close();
            assertEquals(1, c.records.size());
            assertEquals(Level.WARNING, c.records.get(0).getLevel());
            assertTrue(c.records.get(0).getMessage().contains("leakOneBlockHere"), c.records.get(0).getMessage());

            c.records.clear();
            Walloc t = open(WallocConfig.builder().capacity(8L << 20).profile(1).leakListener(r -> {
                throw new IllegalStateException("listener fails");
            }).build());
            leakOneBlockHere(t);
            t.close();
            assertTrue(t.isClosed());
            assertEquals(1, c.records.size());
            assertTrue(c.records.get(0).getMessage().contains("leak listener threw"), c.records.get(0).getMessage());
            assertTrue(c.records.get(0).getMessage().contains("leakOneBlockHere"), "the report is not lost");
        } finally {
            log.removeHandler(c);
        }
    }

    // ------------------------------------------------------------------ named sites, frames

    @Test
    void namedBlocksAreAlwaysRecordedUnderTheirName() {
        Walloc w = profiled(Integer.MAX_VALUE); // no stack is ever sampled
        Set<Long> ids = new HashSet<>();
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Block b = w.allocateBlock(4096, Tier.TOP, "asset:textures/a.png");
            blocks.add(b);
            blocks.add(w.allocateBlock(10, Tier.BOTTOM, "scratch"));
        }
        ProfileSnapshot p = w.profile();
        assertEquals(2, p.sites().size(), p.toString());
        for (AllocationSite s : p.sites()) {
            assertEquals(AllocationSite.Kind.NAMED, s.kind());
            ids.add(s.id());
        }
        AllocationSite a = p.topSites(Tier.TOP, 1).get(0);
        assertEquals(List.of("asset:textures/a.png"), a.frames());
        assertEquals("asset:textures/a.png", a.label());
        assertEquals(10, a.liveBlocks(Tier.TOP));
        assertEquals(10 * 4096, a.liveBytes(Tier.TOP));
        assertEquals(2, ids.size());
        for (Block b : blocks) {
            b.close();
        }
        assertEquals(0, w.profile().topSites(Tier.TOP, 1).size());
    }

    /* Two calls on one line: different bytecode, frames that print alike. */
    private static void twoCallsOnOneLine(Walloc w, List<Long> out) {
        out.add(w.allocate(64, Tier.BOTTOM)); out.add(w.allocate(64, Tier.BOTTOM));
    }

    @Test
    void framesThatPrintAlikeAreOneSiteAndDepthBoundsThem() {
        Walloc w = open(WallocConfig.builder().capacity(8L << 20).profile(1).profileDepth(2).build());
        List<Long> hs = new ArrayList<>();
        twoCallsOnOneLine(w, hs);
        ProfileSnapshot p = w.profile();
        assertEquals(1, p.sites().size(), p.toString());
        AllocationSite s = p.sites().get(0);
        assertEquals(2, s.liveBlocks(Tier.BOTTOM));
        assertEquals(2, s.frames().size(), "profileDepth 2: " + s.frames());
        assertTrue(s.frames().get(0).matches("io\\.walloc\\.ProfileTest\\.twoCallsOnOneLine\\(ProfileTest\\.java:\\d+\\)"),
                s.frames().get(0));
        assertTrue(s.frames().get(1).contains("framesThatPrintAlikeAreOneSiteAndDepthBoundsThem"), s.frames().get(1));
        for (long h : hs) {
            w.free(h, 64);
        }
    }
}
