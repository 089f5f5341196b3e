package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The allocation profile on JDK 22+, where allocate and free are FFM critical downcalls: a sample
 * is allocated through JNI (walloc_alloc_site) and freed like any block (a downcall, or the thread
 * cache's bins for all but samples), so at rate 1 the sites add up to the tiers' statistics while
 * blocks come and go, with and without the thread cache, segments included.
 */
class ProfileOnDowncallsTest {
    private static void assertSitesAddUp(Walloc w) {
        ProfileSnapshot p = w.profile();
        for (Tier t : Tier.values()) {
            assertEquals(w.tierStats(t).liveBlocks(), p.total(t).liveBlocks(), t + ": " + p);
            assertEquals(w.tierStats(t).liveBytes(), p.total(t).liveBytes(), t + ": " + p);
        }
    }

    @Test
    void samplesFreedByDowncallsLeaveTheirSites() {
        assertTrue(CoreCalls.downcalls(), "JDK " + Runtime.version().feature() + ": no FFM downcalls");
        for (boolean cache : new boolean[] {false, true}) {
            for (int rate : new int[] {1, 3}) {
                try (Walloc w = Walloc.create(WallocConfig.builder().capacity(16L << 20).threadCache(cache).profile(rate)
                        .leakListener(r -> { throw new AssertionError("leak: " + r); }).build())) {
                    List<Long> live = new ArrayList<>();
                    for (int i = 0; i < 3000; i++) {
                        long h = w.allocate(64 + i % 100, Tier.BOTTOM);
                        if (i % 3 == 0) {
                            live.add(h);
                            live.add(64L + i % 100);
                        } else {
                            w.free(h, 64 + i % 100);
                        }
                        if (i % 500 == 0) {
                            try (Block b = w.allocateBlock(4000, Tier.TOP)) {
                                MemorySegment s = Segments.of(b);
                                s.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, i);
                            }
                        }
                    }
                    if (rate == 1) {
                        assertSitesAddUp(w);
                    }
                    for (int k = 0; k < live.size(); k += 2) {
                        w.free(live.get(k), live.get(k + 1));
                    }
                    for (AllocationSite s : w.profile().sites()) {
                        assertEquals(0, s.liveBlocks(), "cache " + cache + ", rate " + rate + ": " + s);
                    }
                    assertSitesAddUp(w);
                }
            }
        }
    }
}
