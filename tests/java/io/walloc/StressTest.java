package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Eight threads allocate blocks in every tier, fill them with a pattern derived from the handle,
 * hand them to each other through a shared queue, verify and free blocks other threads made.
 */
class StressTest extends WallocTestBase {
    private static final int THREADS = 8;

    private static byte fill(long handle, int i) {
        return (byte) ((handle >>> 3) * 31 + i * 13 + 7);
    }

    @Test
    @Timeout(120)
    void eightThreadsFillVerifyFreeAcrossThreads() throws Exception {
        for (boolean checked : new boolean[] {false, true}) {
            Walloc w = open(64L << 20, checked);
            ConcurrentLinkedQueue<Block> shared = new ConcurrentLinkedQueue<>();
            AtomicLong verified = new AtomicLong();
            int[] sizes = {8, 24, 100, 256, 1000, 4096, 20000, 70000};
            concurrently(THREADS, "stress (checked=" + checked + ")", (t, stop) -> {
                SplittableRandom r = new SplittableRandom(1234 + t);
                for (int i = 0; i < 6000 && !stop.getAsBoolean(); i++) {
                    if (r.nextInt(3) != 0 || shared.isEmpty()) {
                        Tier tier = Tier.values()[r.nextInt(3)];
                        int size = sizes[r.nextInt(sizes.length)] + r.nextInt(8);
                        Block b;
                        try {
                            b = w.allocateBlock(size, tier);
                        } catch (WallocOutOfMemoryException full) {
                            continue;
                        }
                        byte[] d = new byte[size];
                        for (int k = 0; k < size; k++) {
                            d[k] = fill(b.handle(), k);
                        }
                        if (r.nextBoolean()) {
                            b.write(0, d);
                        } else {
                            w.writeData(b.handle(), d);
                        }
                        shared.add(b);
                    } else {
                        Block b = shared.poll();
                        if (b == null) {
                            continue;
                        }
                        verify(w, b);
                        verified.incrementAndGet();
                        if (r.nextBoolean()) {
                            b.close();
                        } else {
                            w.free(b.handle(), b.size()); // raw free of a block another thread made
                        }
                    }
                }
            });
            for (Block b; (b = shared.poll()) != null;) {
                verify(w, b);
                b.close();
            }
            assertTrue(verified.get() > 1000, "verified " + verified.get());
            for (Tier t : Tier.values()) {
                TierStats s = w.tierStats(t);
                assertEquals(0, s.liveBlocks(), s.toString());
                assertEquals(s.totalAllocs(), s.totalFrees(), s.toString());
            }
        }
    }

    private static void verify(Walloc w, Block b) {
        int n = (int) b.size();
        byte[] got = (n & 1) == 0 ? b.read(0, n) : w.readData(b.handle(), n);
        for (int k = 0; k < n; k++) {
            if (got[k] != fill(b.handle(), k)) {
                throw new AssertionError("block " + b + " corrupted at byte " + k + ": " + got[k] + " != "
                        + fill(b.handle(), k));
            }
        }
    }
}
