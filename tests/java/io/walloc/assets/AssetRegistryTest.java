package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walloc.Block;
import io.walloc.Tier;
import io.walloc.Walloc;
import io.walloc.WallocOutOfMemoryException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AssetRegistryTest extends AssetTestBase {

    private AssetRegistry registry(Walloc w) {
        return closeAfter(new AssetRegistry(w));
    }

    @Test
    void registerGetEvict() {
        Walloc w = open(8 << 20);
        AssetRegistry reg = registry(w);
        byte[] png = TestServer.bytes("a.png", 5000);
        byte[] json = TestServer.bytes("b.txt", 300);
        byte[] bin = TestServer.bytes("c.bin", 70_000);
        Asset a = reg.register("a.png", AssetType.IMAGE, png);
        reg.register("b.txt", AssetType.TEXT, json);
        reg.register("c.bin", AssetInfo.of(AssetType.BINARY).withContentType("model/gltf-binary"), bin);

        assertEquals(Tier.TOP, a.tier());
        assertEquals(5000, a.size());
        assertTrue(a.owned());
        assertEquals(AssetType.IMAGE, a.type());
        assertNotNull(a.registeredAt());
        assertSame(a, reg.get("a.png"));
        assertArrayEquals(png, reg.get("a.png").readAll());
        assertArrayEquals(json, reg.get("b.txt").readAll());
        assertEquals(Tier.BOTTOM, reg.get("b.txt").tier());
        assertEquals("model/gltf-binary", reg.get("c.bin").contentType());
        assertEquals(Tier.MIDDLE, reg.get("c.bin").tier());
        byte[] part = new byte[10];
        reg.get("c.bin").read(69_990, part, 0, 10);
        assertArrayEquals(java.util.Arrays.copyOfRange(bin, 69_990, 70_000), part);
        assertEquals(70_000, reg.get("c.bin").asByteBuffer().remaining());

        assertEquals(5000, reg.totalBytes(Tier.TOP));
        assertEquals(300, reg.totalBytes(Tier.BOTTOM));
        assertEquals(70_000, reg.totalBytes(Tier.MIDDLE));
        assertEquals(List.of("a.png"), reg.list(Tier.TOP).stream().map(Asset::path).toList());
        assertEquals(3, reg.size());
        assertEquals(3, reg.list().size());

        assertTrue(reg.evict("a.png"));
        assertFalse(reg.evict("a.png"));
        assertNull(reg.get("a.png"));
        assertFalse(a.isRegistered());
        assertThrows(IllegalStateException.class, a::readAll);
        assertEquals(0, w.tierStats(Tier.TOP).liveBytes());
        assertEquals(0, reg.totalBytes(Tier.TOP));
        assertEquals(2, reg.evictBatch(List.of("b.txt", "c.bin", "nope")));
        assertNoLive(w, "after evicting everything");
    }

    @Test
    void reRegisterReplacesAndFreesTheOldBlock() {
        Walloc w = open(8 << 20);
        AssetRegistry reg = registry(w);
        Asset first = reg.register("x.bin", AssetType.BINARY, TestServer.bytes("one", 4000));
        Asset second = reg.register("x.bin", AssetType.BINARY, TestServer.bytes("two", 9000));
        assertFalse(first.isRegistered());
        assertTrue(second.isRegistered());
        assertThrows(IllegalStateException.class, first::readAll);
        assertEquals(1, w.tierStats(Tier.MIDDLE).liveBlocks());
        assertEquals(9000, reg.totalBytes(Tier.MIDDLE));
        assertArrayEquals(TestServer.bytes("two", 9000), reg.get("x.bin").readAll());
        // replacing in another tier moves it
        reg.register("x.bin", AssetInfo.of(AssetType.BINARY, Tier.BOTTOM), new byte[10]);
        assertEquals(0, w.tierStats(Tier.MIDDLE).liveBlocks());
        assertEquals(0, reg.totalBytes(Tier.MIDDLE));
        assertEquals(10, reg.totalBytes(Tier.BOTTOM));
    }

    @Test
    void buffersAreCopiedOnceAndPositionsKept() {
        Walloc w = open(8 << 20);
        AssetRegistry reg = registry(w);
        byte[] src = TestServer.bytes("buf", 20_000);
        ByteBuffer heap = ByteBuffer.wrap(src);
        heap.position(100);
        Asset a = reg.register("heap", AssetInfo.of(AssetType.BINARY), heap);
        assertEquals(100, heap.position());
        assertArrayEquals(java.util.Arrays.copyOfRange(src, 100, 20_000), a.readAll());

        Asset ro = reg.register("ro", AssetInfo.of(AssetType.BINARY), ByteBuffer.wrap(src).asReadOnlyBuffer());
        assertArrayEquals(src, ro.readAll());

        ByteBuffer direct = ByteBuffer.allocateDirect(src.length);
        direct.put(src).flip();
        Asset d = reg.register("direct", AssetInfo.of(AssetType.IMAGE), direct);
        assertTrue(d.owned(), "a direct buffer outside the instance is copied into an owned block");
        assertNotEqualsAddress(d, direct);
        assertArrayEquals(src, d.readAll());
        assertEquals(0, direct.position());
    }

    private static void assertNotEqualsAddress(Asset a, ByteBuffer outside) {
        outside.put(0, (byte) (outside.get(0) + 1));
        assertTrue(a.readAll()[0] != outside.get(0), "the asset must be a copy");
        outside.put(0, (byte) (outside.get(0) - 1));
    }

    @Test
    void underABudgetAReservationWaitsForOtherThreadsLoadsInFlightInsteadOfFailing() throws Exception {
        Walloc w = open(8 << 20); // TOP: 4 MiB
        AssetRegistry reg = registry(w);
        reg.setBudget(Tier.TOP, 3 << 20);
        Reservation first = reg.reserve(2 << 20, Tier.TOP); // a load in flight on this thread
        java.util.concurrent.CompletableFuture<Reservation> second =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> reg.reserve(2 << 20, Tier.TOP));
        Thread.sleep(300);
        assertFalse(second.isDone(), "the budget cannot take both while the first is in flight: it waits");
        first.commit("first.bin", AssetInfo.of(AssetType.BINARY), 2 << 20); // now evictable
        Reservation r = second.get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(r.isOpen());
        assertNull(reg.get("first.bin"), "evicted, least recently used, to make room");

        r.close();

        // A thread's own reservation never makes it wait: it fails at once, as before.
        Reservation mine = reg.reserve(2 << 20, Tier.TOP);
        long t0 = System.nanoTime();
        WallocOutOfMemoryException e = assertThrows(WallocOutOfMemoryException.class, () -> reg.reserve(2 << 20, Tier.TOP));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "no wait for its own block");
        assertTrue(e.getMessage().contains("1 load in flight"), e.getMessage());
        mine.close();
        assertEquals(0, w.tierStats(Tier.TOP).liveBlocks());
    }

    @Test
    void reservationBufferIsCommittedWithoutCopy() {
        Walloc w = open(8 << 20);
        AssetRegistry reg = registry(w);
        byte[] src = TestServer.bytes("res", 12_345);
        Reservation r = reg.reserve(src.length, Tier.TOP);
        long h = r.handle();
        ByteBuffer buf = r.buffer();
        buf.put(src).flip();
        Asset a = reg.register("tex.png", AssetInfo.of(AssetType.IMAGE), buf);
        assertTrue(a.owned());
        assertEquals(h, a.handle(), "registered where it was written");
        assertFalse(r.isOpen());
        r.close(); // no-op after commit
        assertArrayEquals(src, a.readAll());
        assertEquals(1, w.tierStats(Tier.TOP).liveBlocks());

        try (Reservation r2 = reg.reserve(100, Tier.BOTTOM)) {
            r2.buffer().put(new byte[] {1, 2, 3});
            Asset b = r2.commit("small.json", AssetInfo.of(AssetType.JSON), 3);
            assertArrayEquals(new byte[] {1, 2, 3}, b.readAll());
        }
        try (Reservation r3 = reg.reserve(1000, Tier.MIDDLE)) {
            assertTrue(r3.isOpen());
        } // closed without commit: freed
        assertEquals(0, w.tierStats(Tier.MIDDLE).liveBlocks());
    }

    @Test
    void directBufferInsideInstanceIsBorrowedWithoutCopy() {
        Walloc w = open(8 << 20);
        AssetRegistry reg = registry(w);
        byte[] src = TestServer.bytes("in", 8192);
        try (Block block = w.allocateBlock(8192, Tier.MIDDLE)) {
            block.write(0, src);
            ByteBuffer view = block.asByteBuffer();
            view.position(192); // part of a block is fine too
            Asset a = reg.register("inside.bin", AssetInfo.of(AssetType.BINARY), view);
            assertFalse(a.owned(), "a buffer inside the instance is borrowed");
            assertEquals(block.handle() + 192, a.handle(), "registered in place");
            assertEquals(Tier.MIDDLE, a.tier());
            block.write(200, new byte[] {42});
            assertEquals(42, a.readAll()[8], "same memory, no copy");
            assertTrue(reg.evict("inside.bin"));
            assertTrue(block.isAlive(), "evicting a borrowed asset does not free its block");
            assertEquals(1, w.tierStats(Tier.MIDDLE).liveBlocks());
        }
    }

    @Test
    void blocksAreAdopted() {
        Walloc w = open(8 << 20);
        AssetRegistry reg = registry(w);
        Block b = w.allocateBlock(1000, Tier.TOP);
        b.write(0, TestServer.bytes("blk", 1000));
        Asset a = reg.register("adopted.png", AssetInfo.of(AssetType.IMAGE), b, 900);
        assertEquals(900, a.size());
        assertEquals(b.handle(), a.handle());
        assertArrayEquals(java.util.Arrays.copyOf(TestServer.bytes("blk", 1000), 900), a.readAll());
        reg.evict("adopted.png");
        assertFalse(b.isAlive(), "evicting an adopted block closes it");
        try (Walloc other = Walloc.create()) {
            Block foreign = other.allocateBlock(10, Tier.TOP);
            assertThrows(IllegalArgumentException.class, () -> reg.register("f", AssetInfo.of(AssetType.IMAGE), foreign, 10));
            foreign.close();
        }
    }

    @Test
    void footprintMatchesWhatTheCoreCounts() {
        Walloc w = open(64 << 20);
        AssetRegistry reg = registry(w);
        long[] sizes = {0, 1, 7, 8, 9, 100, 128, 129, 1000, 1025, 4097, 10_000, 65_535, 65_536, 65_537, 100_000, 1 << 20};
        for (Tier t : Tier.values()) {
            for (long s : sizes) {
                Asset a = reg.register("f", AssetInfo.of(AssetType.BINARY, t), new byte[(int) s]);
                assertEquals(reg.footprint(s, t), w.tierStats(t).liveBytes(), "footprint of " + s + " in " + t);
                reg.evict(a.path());
            }
        }
    }

    @Test
    void budgetEvictsLeastRecentlyUsedAndKeepsLiveBytesWithinIt() {
        Walloc w = open(32 << 20);
        AssetRegistry reg = registry(w);
        long budget = 1 << 20;
        reg.setBudget(Tier.TOP, budget);
        assertEquals(budget, reg.budget(Tier.TOP));
        byte[] data = TestServer.bytes("tex", 100_000);
        for (int i = 0; i < 60; i++) {
            reg.register("tex" + i + ".png", AssetType.IMAGE, data);
            assertNotNull(reg.get("tex0.png"), "tex0 is used after every registration, so it is never the LRU");
            long live = w.tierStats(Tier.TOP).liveBytes();
            assertTrue(live <= budget, "live " + live + " > budget " + budget + " after " + i);
        }
        assertTrue(reg.budgetEvictions() >= 50, "evictions: " + reg.budgetEvictions());
        assertNotNull(reg.peek("tex59.png"), "the newest stays");
        assertNull(reg.peek("tex1.png"), "an old unused one went");
        assertArrayEquals(data, reg.get("tex0.png").readAll());

        WallocOutOfMemoryException e = assertThrows(WallocOutOfMemoryException.class,
                () -> reg.register("huge.png", AssetType.IMAGE, new byte[2 << 20]));
        assertTrue(e.getMessage().contains("budget") && e.getMessage().contains("huge.png"), e.getMessage());
        assertNull(reg.peek("huge.png"));

        reg.setBudget(Tier.TOP, 300_000);
        int evicted = reg.enforceBudget(Tier.TOP);
        assertTrue(evicted > 0);
        assertTrue(w.tierStats(Tier.TOP).liveBytes() <= 300_000);
        reg.clearBudget(Tier.TOP);
        assertEquals(-1, reg.budget(Tier.TOP));
    }

    @Test
    void smallAssetsFitIntoFreedLargeBlocksOfAFullTier() {
        Walloc w = open(1 << 20); // TOP: 512 KiB
        AssetRegistry reg = registry(w);
        int n = 0;
        try {
            while (true) {
                reg.register("big" + n, AssetInfo.of(AssetType.IMAGE), new byte[70_000]);
                n++;
            }
        } catch (WallocOutOfMemoryException full) {
            assertTrue(n >= 6, "registered " + n);
        }
        for (int i = 0; i < n; i++) {
            reg.evict("big" + i);
        }
        // the head is near the end: a size-class request only fits into a freed large block
        byte[] small = TestServer.bytes("small", 30_000);
        for (int i = 0; i < n; i++) {
            Asset a = reg.register("small" + i, AssetInfo.of(AssetType.IMAGE), small);
            assertArrayEquals(small, a.readAll());
        }
        assertEquals(n, reg.count(Tier.TOP));
    }

    @Test
    void compactReleasesEvictedSpaceAboveTheHighestAsset() {
        Walloc w = open(16 << 20);
        AssetRegistry reg = registry(w);
        byte[] keep = TestServer.bytes("keep", 200_000);
        reg.register("keep.bin", AssetType.BINARY, keep);
        for (int i = 0; i < 5; i++) {
            reg.register("tmp" + i + ".bin", AssetType.BINARY, new byte[300_000]);
        }
        long before = w.tierStats(Tier.MIDDLE).bumpHead();
        for (int i = 0; i < 5; i++) {
            reg.evict("tmp" + i + ".bin");
        }
        assertEquals(0, reg.compact(Tier.MIDDLE));
        long after = w.tierStats(Tier.MIDDLE).bumpHead();
        assertTrue(after < before && after <= 256 << 10, "bump head " + before + " -> " + after);
        assertArrayEquals(keep, reg.get("keep.bin").readAll());
        reg.register("again.bin", AssetType.BINARY, new byte[300_000]);
        assertEquals(2, reg.count(Tier.MIDDLE));
        assertEquals(1, reg.clear(Tier.BOTTOM) + reg.count(Tier.BOTTOM) + 1);
    }

    @Test
    void concurrentRegisterGetEvict() throws Exception {
        Walloc w = open(64 << 20);
        AssetRegistry reg = registry(w);
        reg.setBudget(Tier.MIDDLE, 2 << 20);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int seed = t;
            fs.add(pool.submit(() -> {
                Random r = new Random(seed);
                for (int i = 0; i < 2000; i++) {
                    String p = "p" + r.nextInt(40);
                    switch (r.nextInt(4)) {
                        case 0:
                        case 1:
                            int n = 1 + r.nextInt(50_000);
                            byte[] d = TestServer.bytes(p + n, n);
                            reg.register(p, AssetInfo.of(AssetType.BINARY), d);
                            break;
                        case 2:
                            Asset a = reg.get(p);
                            if (a != null) {
                                try {
                                    byte[] got = a.readAll();
                                    assertArrayEquals(TestServer.bytes(p + got.length, got.length), got);
                                } catch (IllegalStateException | IllegalArgumentException gone) {
                                    // evicted or replaced meanwhile
                                }
                            }
                            break;
                        default:
                            reg.evict(p);
                    }
                    assertTrue(w.tierStats(Tier.MIDDLE).liveBytes() <= 2 << 20);
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        long sum = 0;
        for (Asset a : reg.list(Tier.MIDDLE)) {
            sum += a.size();
        }
        assertEquals(sum, reg.totalBytes(Tier.MIDDLE));
    }

    @Test
    void closedRegistryRefusesAndFrees() {
        Walloc w = open(8 << 20);
        AssetRegistry reg = new AssetRegistry(w);
        reg.register("a", AssetType.JSON, new byte[100]);
        Reservation open = reg.reserve(100, Tier.TOP);
        reg.close();
        reg.close();
        assertTrue(reg.isClosed());
        assertThrows(IllegalStateException.class, () -> reg.register("b", AssetType.JSON, new byte[1]));
        assertThrows(IllegalStateException.class, () -> open.commit("c", AssetInfo.of(AssetType.IMAGE), 1));
        assertNoLive(w, "after close");
    }
}
