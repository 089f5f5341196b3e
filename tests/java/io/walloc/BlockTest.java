package io.walloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Block object: accessors, idempotent close, views, checked reads and writes. */
class BlockTest extends WallocTestBase {

    @Test
    void accessorsAndClose() {
        Walloc w = open();
        Block b = w.allocateBlock(300, Tier.MIDDLE);
        assertEquals(300, b.size());
        assertSame(Tier.MIDDLE, b.tier());
        assertSame(w, b.owner());
        assertEquals(0, b.handle() % 64);
        assertTrue(b.isAlive());
        assertTrue(b.toString().contains("300 bytes"));
        assertEquals(1, w.tierStats(Tier.MIDDLE).liveBlocks());
        b.close();
        b.close(); // double close: no-op
        assertFalse(b.isAlive());
        assertEquals(0, w.tierStats(Tier.MIDDLE).liveBlocks());
        assertEquals(1, w.tierStats(Tier.MIDDLE).totalFrees());
        InvalidHandleException e = assertThrows(InvalidHandleException.class, () -> b.write(0, new byte[1]));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(InvalidHandleException.class, () -> b.read(0, 1));
        assertThrows(InvalidHandleException.class, b::asByteBuffer);
    }

    @Test
    void writeReadAllSizes() {
        Walloc w = open(32L << 20, true);
        for (int n : new int[] {0, 1, 7, 64, 511, 512, 513, 4096, 16 << 10, (16 << 10) + 1, 1 << 20}) {
            try (Block b = w.allocateBlock(n + 16, Tier.TOP)) {
                byte[] p = pattern(n, n);
                b.write(16, p);
                assertArrayEquals(p, b.read(16, n), "size " + n);
                byte[] viaRaw = w.readData(b.handle() + 16, n);
                assertArrayEquals(p, viaRaw, "size " + n + " through the raw API");
                byte[] dst = new byte[n + 4];
                b.read(16, dst, 4, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(p[i], dst[4 + i]);
                }
            }
        }
    }

    @Test
    void outOfBlockRangesThrow() {
        Walloc w = open();
        try (Block b = w.allocateBlock(100, Tier.BOTTOM)) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> b.write(90, new byte[11]));
            assertTrue(e.getMessage().contains("outside block"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> b.write(-1, new byte[1]));
            assertThrows(IndexOutOfBoundsException.class, () -> b.read(101, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> b.read(0, 101));
            assertThrows(IndexOutOfBoundsException.class, () -> b.read(0, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> b.write(0, new byte[10], 5, 6));
            assertThrows(IndexOutOfBoundsException.class, () -> b.read(0, new byte[10], 8, 3));
            assertThrows(NullPointerException.class, () -> b.write(0, null));
            assertThrows(NullPointerException.class, () -> b.read(0, null, 0, 0));
            b.write(90, new byte[10]); // the edge itself is fine
        }
    }

    @Test
    void outOfBlockRangesThrowOnceTheBlockHasItsViewToo() {
        Walloc w = open();
        try (Block b = w.allocateBlock(100, Tier.BOTTOM)) {
            byte[] pattern = new byte[100];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (byte) (i * 7 + 1);
            }
            b.write(0, pattern); // makes the cached view: what follows takes the fast path first
            byte[] dst = new byte[10];
            long[] offsets = {90, -1, 101, (1L << 32) + 5, (1L << 32) - 1, Long.MIN_VALUE + 5, Long.MAX_VALUE};
            for (long off : offsets) {
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                        () -> b.write(off, new byte[11]), "write at " + off);
                assertTrue(e.getMessage().contains("outside block"), e.getMessage());
                e = assertThrows(IndexOutOfBoundsException.class, () -> b.read(off, dst, 0, 11 - (int) (off & 1)),
                        "read at " + off);
                assertTrue(e.getMessage().contains("outside block") || e.getMessage().contains("out of bounds"),
                        e.getMessage());
            }
            assertThrows(IndexOutOfBoundsException.class, () -> b.write(0, new byte[10], 5, 6));
            assertThrows(IndexOutOfBoundsException.class, () -> b.write(0, new byte[10], -1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> b.write(0, new byte[10], 0, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> b.read(0, dst, 8, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> b.read(95, dst, 0, 10));
            NullPointerException n = assertThrows(NullPointerException.class, () -> b.write(0, null, 0, 1));
            assertTrue(n.getMessage().contains("src"), n.getMessage());
            n = assertThrows(NullPointerException.class, () -> b.read(0, null, 0, 1));
            assertTrue(n.getMessage().contains("dst"), n.getMessage());
            assertArrayEquals(pattern, b.read(0, 100), "no failed call wrote anything");
            b.write(90, new byte[10]); // the edge itself is fine
            b.read(90, dst, 0, 10);
        }
    }

    @Test
    void byteBufferView() {
        Walloc w = open();
        try (Block b = w.allocateBlock(256, Tier.TOP)) {
            ByteBuffer v = b.asByteBuffer();
            assertTrue(v.isDirect());
            assertEquals(ByteOrder.nativeOrder(), v.order());
            assertEquals(256, v.capacity());
            assertEquals(0, v.position());
            v.putInt(4, 0x11223344);
            ByteBuffer v2 = b.asByteBuffer();
            assertEquals(0x11223344, v2.getInt(4), "views share memory");
            v2.position(10); // independent positions
            assertEquals(0, b.asByteBuffer().position());
            assertEquals(0x11223344, b.asByteBuffer().asIntBuffer().get(1), "typed views over the same memory");
        }
    }

    @Test
    void useAfterResetThrows() {
        Walloc w = open();
        Block b = w.allocateBlock(128, Tier.BOTTOM);
        Block other = w.allocateBlock(128, Tier.TOP);
        b.write(0, pattern(1, 128));
        w.resetTier(Tier.BOTTOM);
        assertFalse(b.isAlive());
        assertTrue(other.isAlive(), "a reset of another tier leaves the block alone");
        Block newer = w.allocateBlock(128, Tier.BOTTOM); // may reuse b's memory
        newer.write(0, pattern(2, 128));
        InvalidHandleException e = assertThrows(InvalidHandleException.class, () -> b.write(0, new byte[4]));
        assertTrue(e.getMessage().contains("reset"), e.getMessage());
        assertThrows(InvalidHandleException.class, () -> b.read(0, 4));
        assertArrayEquals(pattern(2, 128), newer.read(0, 128), "the stale block did not touch the new one");
        b.close(); // no free: the reset forgot it
        assertEquals(1, w.tierStats(Tier.BOTTOM).liveBlocks());
        newer.close();
        other.close();
    }

    /* Reads and writes of a block that has its view skip the gate (Block.current): a close,
     * reset or compaction that came before must still make them throw. */
    @Test
    void readsAndWritesWithoutTheGateStillSeeCloseResetAndCompaction() {
        for (boolean checked : new boolean[] {false, true}) {
            Walloc w = open(16L << 20, checked);
            Block low = w.allocateBlock(100_000, Tier.MIDDLE);
            long keep = w.tierStats(Tier.MIDDLE).bumpHead();
            Block high = w.allocateBlock(100_000, Tier.MIDDLE);
            Block closed = w.allocateBlock(64, Tier.TOP);
            Block reset = w.allocateBlock(64, Tier.BOTTOM);
            for (Block b : new Block[] {low, high, closed, reset}) {
                b.write(0, pattern(7, 64)); // makes the view the fast path copies through
                assertArrayEquals(pattern(7, 64), b.read(0, 64));
            }
            closed.close();
            assertThrows(InvalidHandleException.class, () -> closed.write(0, new byte[8]));
            assertThrows(InvalidHandleException.class, () -> closed.read(0, 8));
            w.resetTier(Tier.BOTTOM);
            assertThrows(InvalidHandleException.class, () -> reset.write(0, new byte[8]));
            assertThrows(InvalidHandleException.class, () -> reset.read(0, new byte[8], 0, 8));
            w.fastCompactTier(Tier.MIDDLE, keep);
            assertThrows(InvalidHandleException.class, () -> high.write(0, new byte[8]));
            assertArrayEquals(pattern(7, 64), low.read(0, 64), "below keep: alive (the gated path says so)");
            low.write(64, pattern(8, 64)); // and the fast path again
            assertArrayEquals(pattern(8, 64), low.read(64, 64));
            w.fastCompactTier(Tier.MIDDLE, 0); // ends the epoch low was revalidated into, too
            assertThrows(InvalidHandleException.class, () -> low.write(0, new byte[8]));
            assertThrows(InvalidHandleException.class, () -> low.read(0, 8));
            w.close();
            assertThrows(IllegalStateException.class, () -> low.write(0, new byte[8]));
            assertThrows(IllegalStateException.class, () -> low.read(0, 8));
        }
    }

    /* Resets and compactions of other tiers, on another thread, leave the fast path of a tier's
     * blocks alone: every write lands, every read sees it, nothing throws. */
    @Test
    void fastPathSurvivesResetsOfOtherTiersOnOtherThreads() throws Exception {
        Walloc w = open(64L << 20, false);
        int writers = 4;
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong resets = new java.util.concurrent.atomic.AtomicLong();
        concurrently(writers + 1, "fast-path", (i, stop) -> {
            if (i == writers) { // churns BOTTOM and TOP until the writers are done
                while (!done.get() && !stop.getAsBoolean()) {
                    Block b = w.allocateBlock(256, Tier.BOTTOM);
                    b.write(0, new byte[256]);
                    w.resetTier(Tier.BOTTOM);
                    Block t = w.allocateBlock(1024, Tier.TOP);
                    w.fastCompactTier(Tier.TOP, 0);
                    assertThrows(InvalidHandleException.class, () -> t.read(0, 1));
                    resets.incrementAndGet();
                }
                return;
            }
            try (Block b = w.allocateBlock(4096, Tier.MIDDLE)) {
                byte[] in = new byte[4096];
                for (int round = 0; round < 20_000 && !stop.getAsBoolean(); round++) {
                    byte[] p = pattern(i * 100_003 + round, 64);
                    int at = (round * 64) % 4096;
                    b.write(at, p);
                    b.read(at, in, 0, 64);
                    for (int k = 0; k < 64; k++) {
                        if (in[k] != p[k]) {
                            throw new AssertionError("writer " + i + " round " + round + " byte " + k);
                        }
                    }
                }
            } finally {
                if (i == 0) {
                    done.set(true);
                }
            }
        });
        assertTrue(resets.get() > 0, "the resetting thread ran");
        assertEquals(0, w.tierStats(Tier.MIDDLE).liveBlocks());
    }

    /* A close that races the first read or write can leave a closed block with a view (the
     * gated path stores it after close cleared it): the fast path must still refuse it. */
    @Test
    void aClosedBlockThatKeptItsViewStillRefuses() throws Exception {
        Walloc w = open();
        Block b = w.allocateBlock(64, Tier.MIDDLE);
        b.write(0, pattern(1, 64));
        java.lang.reflect.Field view = Block.class.getDeclaredField("view");
        view.setAccessible(true);
        Object v = view.get(b);
        b.close();
        view.set(b, v);
        assertThrows(InvalidHandleException.class, () -> b.write(0, new byte[8]));
        assertThrows(InvalidHandleException.class, () -> b.read(0, 8));
    }

    /* Whoever sees the instance closed sees its blocks refuse, even while the closing thread
     * still waits for a call in flight. */
    @Test
    void blocksRefuseAsSoonAsTheOwnerLooksClosed() throws Exception {
        Walloc w = open();
        Block b = w.allocateBlock(64, Tier.MIDDLE);
        b.write(0, pattern(1, 64));
        Gate gate = w.gate();
        int inFlight = gate.enter(); // a call in flight: close waits for it
        Thread closer = new Thread(w::close);
        closer.start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!w.isClosed() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(w.isClosed(), "close started");
            assertTrue(closer.isAlive(), "close still waits for the call in flight");
            assertThrows(IllegalStateException.class, () -> b.write(0, new byte[8]));
            assertThrows(IllegalStateException.class, () -> b.read(0, 8));
        } finally {
            gate.exit(inFlight);
            closer.join();
        }
    }

    /* Reads and writes of a block with a view do not wait for a reset or compaction of another
     * tier (they do not enter the gate), also after such a reset moved that tier's epoch. */
    @Test
    void readsAndWritesDoNotWaitForOtherTiersResets() throws Exception {
        Walloc w = open();
        Block b = w.allocateBlock(64, Tier.MIDDLE);
        b.write(0, pattern(1, 64));
        w.resetTier(Tier.BOTTOM);
        w.fastCompactTier(Tier.TOP, 0);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread exclusive = new Thread(() -> w.gate().exclusive(() -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        exclusive.start();
        try {
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            CompletableFuture<byte[]> io = CompletableFuture.supplyAsync(() -> {
                b.write(0, pattern(2, 64));
                return b.read(0, 64);
            });
            assertArrayEquals(pattern(2, 64), io.get(10, TimeUnit.SECONDS), "did not wait for the exclusive section");
        } finally {
            release.countDown();
            exclusive.join();
        }
        b.close();
    }

    /* A block over 2 GiB has no ByteBuffer view: its reads and writes go through JNI and the core. */
    @Test
    void blocksLargerThanAViewAreReadAndWrittenThroughTheCore() {
        Walloc w = open(8L << 30, false); // reserved, committed only where written
        try (Block b = w.allocateBlock(3L << 30, Tier.TOP)) {
            long far = (1L << 31) + 5;
            b.write(far, pattern(3, 4096));
            assertArrayEquals(pattern(3, 4096), b.read(far, 4096));
            assertArrayEquals(pattern(3, 4096), w.readData(b.handle() + far, 4096));
            b.write(0, pattern(4, 16));
            assertArrayEquals(pattern(4, 16), b.read(0, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> b.write((3L << 30) - 2, new byte[3]));
            assertThrows(UnsupportedOperationException.class, b::asByteBuffer);
        }
    }

    @Test
    void compactKeepsBlocksBelowAndKillsAbove() {
        Walloc w = open(16L << 20, true);
        Block low = w.allocateBlock(100_000, Tier.MIDDLE); // large blocks come off the bump head
        long keep = w.tierStats(Tier.MIDDLE).bumpHead();
        Block high = w.allocateBlock(100_000, Tier.MIDDLE);
        low.write(0, pattern(5, 1000));
        w.fastCompactTier(Tier.MIDDLE, Long.MAX_VALUE); // beyond the head: nothing is released
        assertTrue(low.isAlive() && high.isAlive(), "a keep beyond the head releases no block");
        w.fastCompactTier(Tier.MIDDLE, keep);
        assertTrue(low.isAlive(), "below keep: still valid");
        assertArrayEquals(pattern(5, 1000), low.read(0, 1000));
        assertFalse(high.isAlive(), "above keep: released");
        assertThrows(InvalidHandleException.class, () -> high.read(0, 1));
        high.close();
        low.close();
        w.fastCompactTier(Tier.MIDDLE, 0);
        assertThrows(InvalidHandleException.class, () -> low.read(0, 1));
    }

    @Test
    void copyFromChecksRangesLivesAndOwnerAndCopies() {
        Walloc w = open();
        Block a = w.allocateBlock(300, Tier.MIDDLE);
        Block b = w.allocateBlock(200, Tier.TOP);
        ByteBuffer heap = ByteBuffer.wrap(pattern(1, 300), 10, 100);
        a.copyFrom(50, heap);
        assertEquals(110, heap.position(), "the source's bytes are consumed");
        ByteBuffer direct = ByteBuffer.allocateDirect(64).put(pattern(2, 64)).flip();
        a.copyFrom(200, direct);
        assertArrayEquals(pattern(2, 64), a.read(200, 64));
        byte[] mid = a.read(50, 100);
        for (int i = 0; i < 100; i++) {
            assertEquals(pattern(1, 300)[10 + i], mid[i]);
        }
        b.copyFrom(100, a, 50, 100);
        assertArrayEquals(mid, b.read(100, 100));
        a.copyFrom(201, a, 200, 64); // overlapping, memmove
        assertArrayEquals(pattern(2, 64), a.read(201, 64));
        assertThrows(IndexOutOfBoundsException.class, () -> a.copyFrom(250, ByteBuffer.allocate(51)));
        assertThrows(IndexOutOfBoundsException.class, () -> b.copyFrom(0, a, 250, 51));
        assertThrows(IndexOutOfBoundsException.class, () -> b.copyFrom(150, a, 0, 51));
        assertThrows(IndexOutOfBoundsException.class, () -> b.copyFrom(-1, a, 0, 1));
        assertThrows(NullPointerException.class, () -> a.copyFrom(0, (ByteBuffer) null));
        try (Walloc other = Walloc.create(); Block foreign = other.allocateBlock(10, Tier.TOP)) {
            assertThrows(IllegalArgumentException.class, () -> a.copyFrom(0, foreign, 0, 1));
        }
        b.close();
        assertThrows(InvalidHandleException.class, () -> a.copyFrom(0, b, 0, 1), "closed source");
        assertThrows(InvalidHandleException.class, () -> b.copyFrom(0, ByteBuffer.allocate(1)), "closed block");
        ByteBuffer untouched = ByteBuffer.allocate(8);
        w.resetTier(Tier.MIDDLE);
        assertThrows(InvalidHandleException.class, () -> a.copyFrom(0, untouched), "released by a reset");
        assertEquals(0, untouched.position(), "nothing was taken from the source");
        a.close();
        Block c = w.allocateBlock(100, Tier.BOTTOM);
        w.close();
        assertThrows(IllegalStateException.class, () -> c.copyFrom(0, ByteBuffer.allocate(1)));
    }

    @Test
    void blocksFromAnotherInstanceAreTheirOwn() {
        Walloc a = open();
        Walloc b = open();
        try (Block x = a.allocateBlock(64, Tier.TOP); Block y = b.allocateBlock(64, Tier.TOP)) {
            x.write(0, pattern(1, 64));
            y.write(0, pattern(2, 64));
            assertArrayEquals(pattern(1, 64), x.read(0, 64));
            assertArrayEquals(pattern(2, 64), y.read(0, 64));
            assertSame(a, x.owner());
        }
    }

    @Test
    void concurrentCloseFreesOnce() throws Exception {
        Walloc w = open();
        for (int round = 0; round < 200; round++) {
            Block b = w.allocateBlock(64, Tier.BOTTOM);
            Thread[] ts = new Thread[4];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = new Thread(b::close);
                ts[i].start();
            }
            for (Thread t : ts) {
                t.join();
            }
        }
        TierStats s = w.tierStats(Tier.BOTTOM);
        assertEquals(200, s.totalFrees());
        assertEquals(0, s.liveBlocks());
    }
}
