package io.walloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** Every method of Walloc, WallocConfig, Tier, Status and every exception they document. */
class ApiTest extends WallocTestBase {

    @Test
    void tierEnum() {
        assertEquals(128, Tier.TOP.alignment());
        assertEquals(64, Tier.MIDDLE.alignment());
        assertEquals(8, Tier.BOTTOM.alignment());
        assertEquals(0.5, Tier.TOP.defaultShare());
        assertEquals(0.3, Tier.MIDDLE.defaultShare());
        assertEquals(0.2, Tier.BOTTOM.defaultShare());
        for (Tier t : Tier.values()) {
            assertSame(t, Tier.ofCode(t.code()));
            assertEquals(t.alignment(), WallocNative.tierAlignment(t.code()), "Java and C agree on alignment");
        }
        assertThrows(IllegalArgumentException.class, () -> Tier.ofCode(3));
        assertThrows(IllegalArgumentException.class, () -> Tier.ofCode(-1));
    }

    @Test
    void statusEnumMatchesCore() {
        for (Status s : Status.values()) {
            assertSame(s, Status.ofCode(s.code()));
            assertEquals(WallocNative.statusString(s.code()), s.description(), s + "'s text is the core's");
            assertFalse(s.description().isEmpty());
            assertNotEquals(WallocNative.statusString(Status.values().length), s.description(),
                    s + " is a status the core knows");
        }
        assertEquals("invalid configuration", Status.INVALID_CONFIG.description());
        assertThrows(IllegalArgumentException.class, () -> Status.ofCode(11));
    }

    @Test
    void tiersFollowEachOtherFromHandleZero() {
        Walloc w = open(WallocConfig.builder().capacity(4L << 20).shares(0.5, 0.25, 0.25).build());
        long start = 0;
        for (Tier t : Tier.values()) {
            assertEquals(start, w.tierStart(t), t.name());
            long h = w.allocate(64, t);
            assertTrue(h >= start && h < start + w.capacity(t), t + " block at " + h);
            w.free(h, 64);
            start += w.capacity(t);
        }
    }

    @Test
    void handleOfFindsABufferInsideTheInstanceOnly() {
        Walloc w = open(WallocConfig.builder().capacity(4L << 20).build());
        Walloc other = open(WallocConfig.builder().capacity(4L << 20).build());
        long h = w.allocate(4096, Tier.MIDDLE);
        ByteBuffer v = w.view(h, 4096);
        assertEquals(h, w.handleOf(v));
        assertEquals(h + 100, w.handleOf(v.position(100)), "the handle of the byte at the position");
        assertEquals(h + 100, w.handleOf(v.slice()));
        assertEquals(Walloc.NULL, other.handleOf(v), "another instance's memory");
        assertEquals(Walloc.NULL, w.handleOf(ByteBuffer.allocate(16)), "a heap buffer");
        assertEquals(Walloc.NULL, w.handleOf(ByteBuffer.allocateDirect(16)), "a direct buffer of the JVM's");
        long head = w.tierStats(Tier.MIDDLE).bumpHead();
        ByteBuffer tail = w.view(w.tierStart(Tier.MIDDLE) + head - 8, 8);
        assertEquals(w.tierStart(Tier.MIDDLE) + head - 8, w.handleOf(tail));
        assertThrows(NullPointerException.class, () -> w.handleOf(null));
        w.close();
        assertThrows(IllegalStateException.class, () -> w.handleOf(v));
    }

    @Test
    void configBuilder() {
        WallocConfig d = WallocConfig.defaults();
        assertEquals(256L << 20, d.capacity());
        assertEquals(0.5, d.share(Tier.TOP));
        assertFalse(d.checked());
        WallocConfig c = WallocConfig.builder().capacity(1 << 20).shares(0.2, 0.3, 0.4).checked(true).build();
        assertEquals(1 << 20, c.capacity());
        assertEquals(0.4, c.share(Tier.BOTTOM));
        assertTrue(c.checked());
        assertTrue(c.toString().contains("capacity=1048576"));
        WallocArgumentException e = assertThrows(WallocArgumentException.class, () -> WallocConfig.builder().capacity(1000));
        assertEquals(Status.INVALID_CONFIG, e.status());
        assertTrue(e.getMessage().contains("1000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WallocConfig.builder().capacity(65L << 30));
        assertThrows(IllegalArgumentException.class, () -> WallocConfig.builder().share(Tier.TOP, 0));
        assertThrows(IllegalArgumentException.class, () -> WallocConfig.builder().share(Tier.TOP, 1.5));
        assertThrows(IllegalArgumentException.class, () -> WallocConfig.builder().share(Tier.TOP, Double.NaN));
        assertThrows(NullPointerException.class, () -> WallocConfig.builder().share(null, 0.5));
        IllegalArgumentException sum = assertThrows(IllegalArgumentException.class,
                () -> WallocConfig.builder().shares(0.5, 0.5, 0.5).build());
        assertTrue(sum.getMessage().contains("sum"), sum.getMessage());
    }

    @Test
    void createAndCapacities() {
        Walloc w = open(WallocConfig.builder().capacity(4L << 20).shares(0.5, 0.25, 0.25).build());
        assertEquals(2L << 20, w.capacity(Tier.TOP));
        assertEquals(1L << 20, w.capacity(Tier.MIDDLE));
        assertEquals(1L << 20, w.capacity(Tier.BOTTOM));
        assertFalse(w.isClosed());
        assertTrue(w.toString().contains("Walloc"));
        assertEquals(4L << 20, w.config().capacity());
        assertThrows(NullPointerException.class, () -> Walloc.create(null));
        try (Walloc d = Walloc.create()) {
            assertEquals(WallocConfig.DEFAULT_CAPACITY, d.config().capacity());
        }
    }

    @Test
    void allocateFreeEveryTier() {
        Walloc w = open();
        for (Tier t : Tier.values()) {
            long h = w.allocate(100, t);
            assertNotEquals(Walloc.NULL, h);
            assertEquals(0, h % t.alignment(), "aligned for " + t);
            assertSame(t, w.tierOf(h));
            TierStats s = w.tierStats(t);
            assertEquals(1, s.liveBlocks());
            assertTrue(s.liveBytes() >= 100);
            assertEquals(t, s.tier());
            assertEquals(t.alignment(), s.alignment());
            assertEquals(s.bumpHead(), s.liveBytes() + s.freeBytes() + s.wastedBytes());
            w.free(h, 100);
            assertEquals(0, w.tierStats(t).liveBlocks());
            long z = w.allocate(0, t);
            w.free(z, 0);
        }
    }

    @Test
    void tryAllocateReturnsNullWhenFull() {
        Walloc w = open(WallocConfig.builder().capacity(1 << 20).checked(true).build());
        long cap = w.capacity(Tier.BOTTOM);
        long h = w.tryAllocate(cap, Tier.BOTTOM);
        assertNotEquals(Walloc.NULL, h);
        assertEquals(Walloc.NULL, w.tryAllocate(4096, Tier.BOTTOM));
        WallocOutOfMemoryException e = assertThrows(WallocOutOfMemoryException.class, () -> w.allocate(4096, Tier.BOTTOM));
        assertEquals(Tier.BOTTOM, e.tier());
        assertEquals(4096, e.size());
        assertEquals(Status.OUT_OF_MEMORY, e.status());
        assertTrue(e.getMessage().contains("BOTTOM"), e.getMessage());
        w.free(h, cap);
        long again = w.allocate(4096, Tier.BOTTOM); // usable after freeing
        w.free(again, 4096);
        assertTrue(w.tierStats(Tier.BOTTOM).failedAllocs() >= 2);
    }

    @Test
    void tryAllocateBlockReturnsNullWhenFullOnEveryPath() {
        // unprofiled; profiled, every allocation sampled (rate 1); and a named site
        for (int rate : new int[] {0, 1}) {
            WallocConfig.Builder b = WallocConfig.builder().capacity(1 << 20).checked(true);
            Walloc w = open((rate > 0 ? b.profile(rate) : b).build());
            long cap = w.capacity(Tier.BOTTOM);
            Block all = w.tryAllocateBlock(cap, Tier.BOTTOM);
            assertNotNull(all, "rate " + rate);
            assertNull(w.tryAllocateBlock(4096, Tier.BOTTOM), "rate " + rate);
            assertNull(w.tryAllocateBlock(4096, Tier.BOTTOM, "named"), "rate " + rate);
            WallocOutOfMemoryException e = assertThrows(WallocOutOfMemoryException.class,
                    () -> w.allocateBlock(4096, Tier.BOTTOM, "named"));
            assertEquals(Tier.BOTTOM, e.tier());
            assertThrows(WallocOutOfMemoryException.class, () -> w.allocateBlock(4096, Tier.BOTTOM));
            assertThrows(IllegalArgumentException.class, () -> w.tryAllocateBlock(-1, Tier.BOTTOM));
            assertThrows(IllegalArgumentException.class, () -> w.tryAllocateBlock(cap + 1, Tier.BOTTOM, "named"));
            assertEquals(1, w.tierStats(Tier.BOTTOM).liveBlocks(), "a refused block holds nothing");
            all.close();
            try (Block again = w.tryAllocateBlock(4096, Tier.BOTTOM, "named")) {
                assertNotNull(again, "usable after freeing, rate " + rate);
            }
        }
    }

    @Test
    void badSizesAndTiers() {
        Walloc w = open();
        WallocArgumentException neg = assertThrows(WallocArgumentException.class, () -> w.allocate(-1, Tier.TOP));
        assertTrue(neg.getMessage().contains("negative"), neg.getMessage());
        assertEquals(Status.INVALID_SIZE, neg.status());
        assertThrows(WallocArgumentException.class, () -> w.tryAllocate(-5, Tier.TOP));
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class, () -> w.allocate(Long.MAX_VALUE, Tier.MIDDLE));
        assertTrue(huge.getMessage().contains("larger than tier MIDDLE"), huge.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.tryAllocate(w.capacity(Tier.TOP) + 1, Tier.TOP));
        NullPointerException npe = assertThrows(NullPointerException.class, () -> w.allocate(10, null));
        assertTrue(npe.getMessage().contains("tier"));
        assertThrows(NullPointerException.class, () -> w.tierStats(null));
        assertThrows(NullPointerException.class, () -> w.resetTier(null));
        assertThrows(NullPointerException.class, () -> w.allocateBlock(1, null));
        long h = w.allocate(64, Tier.TOP); // still usable
        w.free(h, 64);
    }

    @Test
    void freeErrorsCheckedMode() {
        Walloc w = open();
        long h = w.allocate(256, Tier.MIDDLE);
        InvalidHandleException mismatch = assertThrows(InvalidHandleException.class, () -> w.free(h, 1024));
        assertEquals(Status.SIZE_MISMATCH, mismatch.status());
        assertEquals(h, mismatch.handle());
        InvalidHandleException notBlock = assertThrows(InvalidHandleException.class, () -> w.free(h + 64, 64));
        assertTrue(notBlock.status() == Status.NOT_A_BLOCK || notBlock.status() == Status.OUT_OF_BOUNDS,
                notBlock.toString());
        w.free(h, 256);
        InvalidHandleException dbl = assertThrows(InvalidHandleException.class, () -> w.free(h, 256));
        assertEquals(Status.DOUBLE_FREE, dbl.status());
        assertTrue(dbl.getMessage().contains("already freed"), dbl.getMessage());
        InvalidHandleException nowhere = assertThrows(InvalidHandleException.class, () -> w.free(Walloc.NULL, 8));
        assertEquals(Status.INVALID_HANDLE, nowhere.status());
        RuntimeException neg = assertThrows(RuntimeException.class, () -> w.free(h, -8));
        assertTrue(neg.getMessage().contains("negative size"), neg.getMessage());
        assertTrue(neg instanceof WallocError);
    }

    @Test
    void foreignHandleCaughtInCheckedMode() {
        Walloc a = open();
        Walloc b = open();
        long ha = a.allocate(1000, Tier.TOP);
        long hb = b.allocate(64, Tier.TOP);
        // The same offset in b is not a block of b (b's block at that offset has another size, or
        // nothing is there): checked mode refuses.
        assertThrows(IllegalArgumentException.class, () -> b.free(ha + 128, 1000));
        a.free(ha, 1000);
        b.free(hb, 64);
    }

    @Test
    void batchAllOrNothing() {
        Walloc w = open(WallocConfig.builder().capacity(1 << 20).checked(true).build());
        long[] hs = w.allocateBatch(new long[] {10, 200, 3000}, new Tier[] {Tier.TOP, Tier.MIDDLE, Tier.BOTTOM});
        assertEquals(3, hs.length);
        assertSame(Tier.TOP, w.tierOf(hs[0]));
        assertSame(Tier.MIDDLE, w.tierOf(hs[1]));
        assertSame(Tier.BOTTOM, w.tierOf(hs[2]));
        w.free(hs[0], 10);
        w.free(hs[1], 200);
        w.free(hs[2], 3000);

        long[] out = new long[2];
        w.allocateBatch(new long[] {8, 8}, new int[] {2, 2}, out);
        w.free(out[0], 8);
        w.free(out[1], 8);

        long cap = w.capacity(Tier.BOTTOM);
        assertThrows(WallocOutOfMemoryException.class,
                () -> w.allocateBatch(new long[] {cap / 2 + 8, cap / 2 + 8}, new int[] {2, 2}, out));
        assertEquals(Walloc.NULL, out[0]);
        assertEquals(Walloc.NULL, out[1]);
        WallocArgumentException badTier = assertThrows(WallocArgumentException.class,
                () -> w.allocateBatch(new long[] {8}, new int[] {7}, out));
        assertEquals(Status.INVALID_TIER, badTier.status());
        assertThrows(IllegalArgumentException.class, () -> w.allocateBatch(new long[] {8, 8}, new Tier[] {Tier.TOP}));
        assertThrows(NullPointerException.class, () -> w.allocateBatch(new long[] {8}, new Tier[] {null}));
        assertThrows(NullPointerException.class, () -> w.allocateBatch(null, new Tier[0]));
        assertThrows(IllegalArgumentException.class, () -> w.allocateBatch(new long[] {8, 8}, new int[] {1}, out));
        assertThrows(IllegalArgumentException.class, () -> w.allocateBatch(new long[] {-1}, new int[] {1}, out));
        assertEquals(0, w.allocateBatch(new long[0], new Tier[0]).length);
    }

    @Test
    void writeReadCopyBulk() {
        Walloc w = open();
        long a = w.allocate(4096, Tier.TOP);
        long b = w.allocate(4096, Tier.BOTTOM);
        byte[] p = pattern(3, 4096);
        w.writeData(a, p);
        assertArrayEquals(p, w.readData(a, 4096));
        byte[] small = pattern(4, 100);
        w.writeData(b, small, 0, 100);
        byte[] back = new byte[120];
        w.readData(b, back, 10, 100);
        for (int i = 0; i < 100; i++) {
            assertEquals(small[i], back[10 + i]);
        }
        w.copy(b, a, 4096);
        assertArrayEquals(p, w.readData(b, 4096));
        w.copy(a + 1, a, 1000); // overlap: memmove
        byte[] moved = w.readData(a + 1, 1000);
        for (int i = 0; i < 1000; i++) {
            assertEquals(p[i], moved[i]);
        }
        w.writeData(a, p);
        w.bulkCopy(new long[] {b, a, 16, b + 16, a + 100, 16});
        byte[] bb = w.readData(b, 32);
        for (int i = 0; i < 16; i++) {
            assertEquals(p[i], bb[i]);
            assertEquals(p[100 + i], bb[16 + i]);
        }
        w.bulkCopy(new long[] {a}, new long[] {b}, new long[] {8});
        // errors
        assertThrows(InvalidHandleException.class, () -> w.writeData(Walloc.NULL, small));
        WallocBoundsException oob = assertThrows(WallocBoundsException.class,
                () -> w.readData(a, (int) w.capacity(Tier.TOP)));
        assertTrue(oob.getMessage().contains("out of bounds"), oob.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> w.writeData(a, small, 50, 60));
        assertThrows(IndexOutOfBoundsException.class, () -> w.readData(a, new byte[4], -1, 2));
        assertThrows(IllegalArgumentException.class, () -> w.readData(a, -1));
        assertThrows(NullPointerException.class, () -> w.writeData(a, null));
        assertThrows(IndexOutOfBoundsException.class, () -> w.copy(a, b, 1L << 40));
        assertThrows(RuntimeException.class, () -> w.copy(a, b, -1));
        byte[] before = w.readData(b, 64);
        BulkCopyException bad = assertThrows(BulkCopyException.class,
                () -> w.bulkCopy(new long[] {b, a, 16, b, Walloc.NULL, 16}));
        assertEquals(1, bad.failedIndex());
        assertEquals(Status.INVALID_HANDLE, bad.status());
        assertTrue(bad.getMessage().contains("entry 1"), bad.getMessage());
        assertArrayEquals(before, w.readData(b, 64), "nothing copied on a refused bulk copy");
        assertThrows(IllegalArgumentException.class, () -> w.bulkCopy(new long[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> w.bulkCopy(new long[1], new long[2], new long[1]));
        w.free(a, 4096);
        w.free(b, 4096);
    }

    @Test
    void rawView() {
        Walloc w = open();
        long h = w.allocate(64, Tier.MIDDLE);
        ByteBuffer v = w.view(h, 64);
        assertTrue(v.isDirect());
        assertEquals(ByteOrder.nativeOrder(), v.order());
        v.putLong(0, 0x0102030405060708L);
        byte[] back = w.readData(h, 8);
        assertEquals(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 8 : 1, back[0]);
        assertThrows(IndexOutOfBoundsException.class, () -> w.view(Walloc.NULL, 8));
        assertThrows(IllegalArgumentException.class, () -> w.view(h, -1));
        w.free(h, 64);
    }

    @Test
    void resetAndCompact() {
        Walloc w = open();
        long a = w.allocate(1000, Tier.BOTTOM);
        w.allocate(1000, Tier.BOTTOM);
        w.resetTier(Tier.BOTTOM);
        TierStats s = w.tierStats(Tier.BOTTOM);
        assertEquals(0, s.liveBlocks());
        assertEquals(0, s.bumpHead());
        assertTrue(s.resets() >= 1);
        long again = w.allocate(1000, Tier.BOTTOM);
        w.free(again, 1000);
        assertTrue(a >= 0);

        long keepBlock = w.allocate(70000, Tier.TOP); // large: straight from the bump head
        long head = w.tierStats(Tier.TOP).bumpHead();
        w.allocate(70000, Tier.TOP);
        w.fastCompactTier(Tier.TOP, head);
        assertEquals(head, w.tierStats(Tier.TOP).bumpHead());
        w.free(keepBlock, 70000);
        w.resetTier(Tier.TOP); // compact leaves released-but-counted blocks (unchecked counting rules)
        w.resetTier(Tier.MIDDLE);
        assertThrows(IllegalArgumentException.class, () -> w.fastCompactTier(Tier.TOP, -1));
        assertThrows(NullPointerException.class, () -> w.fastCompactTier(null, 0));
    }

    @Test
    void closeIsIdempotentAndEverythingThrowsAfter() {
        Walloc w = open();
        long h = w.allocate(64, Tier.TOP);
        Block b = w.allocateBlock(64, Tier.MIDDLE);
        w.close();
        w.close();
        assertTrue(w.isClosed());
        assertTrue(w.toString().contains("closed"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.allocate(1, Tier.TOP));
        assertTrue(e.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> w.tryAllocate(1, Tier.TOP));
        assertThrows(IllegalStateException.class, () -> w.free(h, 64));
        assertThrows(IllegalStateException.class, () -> w.allocateBlock(1, Tier.TOP));
        assertThrows(IllegalStateException.class, () -> w.allocateBatch(new long[] {1}, new Tier[] {Tier.TOP}));
        assertThrows(IllegalStateException.class, () -> w.resetTier(Tier.TOP));
        assertThrows(IllegalStateException.class, () -> w.fastCompactTier(Tier.TOP, 0));
        assertThrows(IllegalStateException.class, () -> w.tierStats(Tier.TOP));
        assertThrows(IllegalStateException.class, () -> w.tierOf(h));
        assertThrows(IllegalStateException.class, () -> w.writeData(h, new byte[1]));
        assertThrows(IllegalStateException.class, () -> w.readData(h, 1));
        assertThrows(IllegalStateException.class, () -> w.copy(h, h, 1));
        assertThrows(IllegalStateException.class, () -> w.bulkCopy(new long[] {h, h, 1}));
        assertThrows(IllegalStateException.class, () -> w.view(h, 1));
        assertThrows(IllegalStateException.class, () -> b.write(0, new byte[1]));
        assertThrows(IllegalStateException.class, () -> b.read(0, 1));
        assertThrows(IllegalStateException.class, b::asByteBuffer);
        assertFalse(b.isAlive());
        b.close(); // no-op after the owner closed
    }

    @Test
    void typedViewsFollow() {
        Walloc w = open();
        try (Block b = w.allocateBlock(64, Tier.TOP)) {
            FloatBuffer f = b.asByteBuffer().asFloatBuffer();
            f.put(0, 1.5f);
            f.put(15, -2f);
            assertEquals(1.5f, b.asByteBuffer().getFloat(0));
            assertEquals(-2f, b.asByteBuffer().getFloat(60));
            assertEquals(16, b.asByteBuffer().asIntBuffer().capacity());
        }
    }
}
