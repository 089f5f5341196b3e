package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Cleaner for Blocks nobody closed (WallocConfig.freeUnclosedBlocks): it frees such a block
 * once, counts it, logs the first; it never frees a block that was closed, that a reset or
 * compaction released (whose memory may be another block's by then), or one of a closed instance.
 */
class UnclosedBlockTest extends WallocTestBase {
    private static Walloc watched(boolean checked, boolean threadCache) {
        return Walloc.create(WallocConfig.builder().capacity(8L << 20).checked(checked).threadCache(threadCache)
                .freeUnclosedBlocks(true).build());
    }

    /* Collects garbage until done() holds; false after 10 s. */
    private static boolean gcUntil(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            System.gc();
            Thread.sleep(10);
        }
        return true;
    }

    /* Allocates a block and drops it unclosed (in a frame of its own, so nothing keeps it). */
    private static long leak(Walloc w, long size, Tier tier) {
        return w.allocateBlock(size, tier).handle();
    }

    @ParameterizedTest(name = "checked={0}")
    @ValueSource(booleans = {true, false})
    void anUnreachableUnclosedBlockIsFreedOnceAndCounted(boolean checked) throws Exception {
        try (Walloc w = watched(checked, true)) {
            List<Block> kept = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                kept.add(w.allocateBlock(200, Tier.MIDDLE));
            }
            for (Block b : kept) {
                b.close(); // closed: the Cleaner must not free them again
            }
            kept.clear();
            leak(w, 200, Tier.MIDDLE);
            leak(w, 5000, Tier.MIDDLE); // above the thread cache's sizes
            assertTrue(gcUntil(() -> w.tierStats(Tier.MIDDLE).unclosedBlocksFreed() == 2), w.tierStats(Tier.MIDDLE).toString());
            TierStats s = w.tierStats(Tier.MIDDLE);
            assertEquals(0, s.liveBlocks(), s.toString());
            assertEquals(102, s.totalFrees(), "each block freed exactly once: " + s);
            assertEquals(0, w.tierStats(Tier.TOP).unclosedBlocksFreed());
        }
    }

    @Test
    void aBlockReleasedByAResetIsNotFreedOverItsSuccessor() throws Exception {
        try (Walloc w = watched(true, false)) {
            long h = leak(w, 4096, Tier.BOTTOM);
            w.resetTier(Tier.BOTTOM);
            Block successor = w.allocateBlock(4096, Tier.BOTTOM); // the same memory, most likely
            assertEquals(h, successor.handle(), "the test needs the successor at the leaked block's handle");
            long sentinel = leak(w, 64, Tier.BOTTOM);
            assertTrue(gcUntil(() -> w.tierStats(Tier.BOTTOM).unclosedBlocksFreed() == 1));
            Thread.sleep(100);
            System.gc();
            Thread.sleep(100);
            TierStats s = w.tierStats(Tier.BOTTOM);
            assertEquals(1, s.unclosedBlocksFreed(), "only the sentinel " + Errors.hex(sentinel) + ": " + s);
            assertEquals(1, s.liveBlocks(), "the successor is still live: " + s);
            assertTrue(successor.isAlive());
            successor.close();
        }
    }

    @Test
    void aBlockACompactionKeptIsStillFreed() throws Exception {
        try (Walloc w = watched(true, false)) {
            leak(w, 128, Tier.TOP); // at the tier's start: a compaction keeping 4 KiB keeps it
            w.fastCompactTier(Tier.TOP, 4096);
            assertTrue(gcUntil(() -> w.tierStats(Tier.TOP).unclosedBlocksFreed() == 1));
            assertEquals(0, w.tierStats(Tier.TOP).liveBlocks());
        }
    }

    @Test
    void blocksOfAClosedInstanceAreLeftAlone() throws Exception {
        Walloc w = watched(true, false);
        for (int i = 0; i < 10; i++) {
            leak(w, 100, Tier.MIDDLE);
        }
        w.close();
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(w.isClosed()); // and the Cleaner's thread did not crash the JVM on the way
    }

    @Test
    void offByDefault() throws Exception {
        assertFalse(WallocConfig.defaults().freeUnclosedBlocks());
        try (Walloc w = Walloc.create(WallocConfig.builder().capacity(8L << 20).checked(true).build())) {
            leak(w, 100, Tier.MIDDLE);
            for (int i = 0; i < 5; i++) {
                System.gc();
                Thread.sleep(20);
            }
            TierStats s = w.tierStats(Tier.MIDDLE);
            assertEquals(1, s.liveBlocks(), s.toString());
            assertEquals(0, s.unclosedBlocksFreed());
        }
    }

    @Test
    void theFirstUnclosedBlockOfAnInstanceIsLoggedWithItsSizeAndTier() throws Exception {
        List<LogRecord> records = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public synchronized void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger log = Logger.getLogger("io.walloc");
        log.addHandler(h);
        try (Walloc w = watched(false, true)) {
            leak(w, 777, Tier.BOTTOM);
            leak(w, 777, Tier.BOTTOM);
            assertTrue(gcUntil(() -> w.tierStats(Tier.BOTTOM).unclosedBlocksFreed() == 2));
        } finally {
            log.removeHandler(h);
        }
        synchronized (h) {
            assertEquals(1, records.size(), "logged once per instance");
            String m = records.get(0).getMessage();
            assertTrue(m.contains("777 bytes") && m.contains("BOTTOM"), m);
            assertEquals(java.util.logging.Level.WARNING, records.get(0).getLevel());
        }
    }
}
