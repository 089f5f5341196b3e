package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * allocateZeroed / allocateBlockZeroed read zero even when they reuse a block whose last owner
 * wrote into it (the thread cache and the core's free lists hand blocks back as they were), and
 * fill is bounds-checked like copy.
 */
class ZeroedAllocationTest extends WallocTestBase {
    private static final long[] SIZES = {1, 7, 64, 100, 4096, 5000, 65536, 1 << 20};

    private static byte[] dirty(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 0xA5);
        return b;
    }

    private static void assertZero(Walloc w, long h, long size, String what) {
        byte[] got = new byte[(int) size];
        w.readData(h, got, 0, got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals(0, got[i], what + ": byte " + i + " of " + size);
        }
    }

    @Test
    void reusedRawBlocksReadZero() {
        try (Walloc w = open(64L << 20, false)) {
            int reused = 0;
            for (Tier t : Tier.values()) {
                for (long size : SIZES) {
                    long h = w.allocate(size, t);
                    w.writeData(h, dirty((int) size));
                    w.free(h, size);
                    long z = w.allocateZeroed(size, t);
                    reused += z == h ? 1 : 0;
                    assertZero(w, z, size, t + " allocateZeroed");
                    w.free(z, size);
                }
            }
            assertTrue(reused > 0, "the test must see blocks reused");
        }
    }

    @Test
    void reusedBlocksReadZero() {
        try (Walloc w = open(64L << 20, false)) {
            int reused = 0;
            for (Tier t : Tier.values()) {
                for (long size : SIZES) {
                    long was;
                    try (Block b = w.allocateBlock(size, t)) {
                        b.write(0, dirty((int) size));
                        was = b.handle();
                    }
                    try (Block z = w.allocateBlockZeroed(size, t)) {
                        reused += z.handle() == was ? 1 : 0;
                        assertZero(w, z.handle(), size, t + " allocateBlockZeroed");
                    }
                }
            }
            assertTrue(reused > 0, "the test must see blocks reused");
        }
    }

    @Test
    void fillIsBoundsCheckedAndWritesNothingWhenRefused() {
        try (Walloc w = open(8L << 20, true)) {
            long h = w.allocate(256, Tier.MIDDLE);
            w.writeData(h, dirty(256));
            w.fill(h + 10, (byte) 0x5A, 100);
            byte[] got = new byte[256];
            w.readData(h, got, 0, 256);
            for (int i = 0; i < 256; i++) {
                assertEquals(i >= 10 && i < 110 ? (byte) 0x5A : (byte) 0xA5, got[i], "byte " + i);
            }
            long past = CompactFootprintFaceTest.tierStart(w, Tier.MIDDLE) + w.tierStats(Tier.MIDDLE).bumpHead();
            assertThrows(WallocBoundsException.class, () -> w.fill(past - 4, (byte) 0, 8));
            assertThrows(WallocBoundsException.class, () -> w.fill(h, (byte) 0, -1));
            assertThrows(InvalidHandleException.class, () -> w.fill(Walloc.NULL, (byte) 0, 1));
            w.readData(h, got, 0, 256);
            assertEquals((byte) 0xA5, got[0]);
            w.close();
            assertThrows(IllegalStateException.class, () -> w.fill(h, (byte) 0, 1));
            assertThrows(IllegalStateException.class, () -> w.allocateZeroed(8, Tier.TOP));
        }
    }
}
