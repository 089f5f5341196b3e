package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Regression test: walloc_write accepts any range inside what a tier has handed out, including
 * freed blocks, and the core keeps freelist links in the first bytes of free blocks. Overwriting
 * them through a stale handle made the next walloc_alloc follow a garbage link (SIGSEGV in
 * walloc_alloc, checked and unchecked mode) until core commit 621f019 validated every link.
 * Runs in its own JVM (Surefire reuseForks=false), so a crash takes down only this class.
 */
class CoreRobustnessTest {
    @Test
    void writeIntoFreedBlocksThenAllocate() {
        for (boolean checked : new boolean[] {false, true}) {
            try (Walloc w = Walloc.create(WallocConfig.builder().capacity(4L << 20).checked(checked).build())) {
                int n = 2000;
                long[] h = new long[n];
                for (int i = 0; i < n; i++) {
                    h[i] = w.allocate(64, Tier.BOTTOM);
                }
                for (int i = 0; i < n; i++) {
                    w.free(h[i], 64);
                }
                byte[] junk = new byte[64];
                Arrays.fill(junk, (byte) 0x5A);
                for (int i = 0; i < n; i++) {
                    w.writeData(h[i], junk); // accepted by the core: the range was handed out
                }
                for (int i = 0; i < n; i++) {
                    w.tryAllocate(64, Tier.BOTTOM); // pops the overwritten blocks: must not crash
                }
                w.resetTier(Tier.BOTTOM);
                assertEquals(0, w.tierStats(Tier.BOTTOM).liveBlocks());
            }
        }
    }
}
