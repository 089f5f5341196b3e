package io.walloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walloc.assets.Asset;
import io.walloc.assets.AssetInfo;
import io.walloc.assets.AssetRegistry;
import io.walloc.assets.AssetType;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, item 14: every method that makes a Java array whose length the caller chose (directly,
 * or through the block or asset it names) checks everything it can before it makes the array. A
 * length past the range throws {@link IndexOutOfBoundsException}, a dead block or asset throws its
 * own exception, a closed instance {@link IllegalStateException}: never {@link OutOfMemoryError}.
 * The tests run with -Xmx1g, so each length here is one the heap cannot hold.
 */
class LengthCheckedFirstTest extends WallocTestBase {
    private static final int HUGE = Integer.MAX_VALUE;
    private static final int GIB = 1 << 30; // not an array the JVM refuses outright, but more than the heap
    private static final long BIG_BLOCK = 1_500_000_000L; // in range, more than the heap

    @Test
    void walloc_readData_checksTheRangeBeforeMakingTheArray() {
        Walloc w = open();
        long h = w.allocate(100, Tier.MIDDLE);
        for (int length : new int[] {HUGE, HUGE - 8, GIB, 8 << 20}) {
            assertThrows(IndexOutOfBoundsException.class, () -> w.readData(h, length), "length " + length);
        }
        long end = w.tierStats(Tier.MIDDLE).bumpHead() + w.capacity(Tier.TOP); // first byte not handed out
        assertThrows(IndexOutOfBoundsException.class, () -> w.readData(end - 8, GIB), "straddling the head");
        // a handle in no tier is the documented InvalidHandleException, not a range error
        assertThrows(InvalidHandleException.class, () -> w.readData(Walloc.NULL, HUGE));
        assertThrows(InvalidHandleException.class, () -> w.readData(1L << 40, GIB));
        // lengths that fit still read
        w.writeData(h, pattern(1, 100));
        assertArrayEquals(pattern(1, 100), w.readData(h, 100));
        assertArrayEquals(new byte[0], w.readData(h, 0));
        w.free(h, 100);
        w.close();
        assertThrows(IllegalStateException.class, () -> w.readData(h, HUGE));
    }

    @Test
    void block_read_checksRangeAndLifeBeforeMakingTheArray() {
        Walloc w = open(4L << 30, true); // TOP holds 2 GiB: room for a block larger than the heap
        Block small = w.allocateBlock(100, Tier.TOP);
        assertThrows(IndexOutOfBoundsException.class, () -> small.read(0, HUGE));
        assertThrows(IndexOutOfBoundsException.class, () -> small.read(50, GIB));
        small.close();

        Block closed = w.allocateBlock(BIG_BLOCK, Tier.TOP);
        closed.close();
        assertThrows(InvalidHandleException.class, () -> closed.read(0, (int) BIG_BLOCK), "closed block");

        Block released = w.allocateBlock(BIG_BLOCK, Tier.TOP);
        w.resetTier(Tier.TOP);
        assertThrows(InvalidHandleException.class, () -> released.read(0, (int) BIG_BLOCK), "reset released it");

        Block compacted = w.allocateBlock(BIG_BLOCK, Tier.TOP);
        w.fastCompactTier(Tier.TOP, 0);
        assertThrows(InvalidHandleException.class, () -> compacted.read(0, (int) BIG_BLOCK), "compaction released it");

        Block orphan = w.allocateBlock(BIG_BLOCK, Tier.TOP);
        w.close();
        assertThrows(IllegalStateException.class, () -> orphan.read(0, (int) BIG_BLOCK), "owner closed");
    }

    @Test
    void asset_readAll_checksTheAssetBeforeMakingTheArray() {
        Walloc w = open(4L << 30, true);
        try (AssetRegistry reg = new AssetRegistry(w)) {
            Asset evicted = reg.register("big", AssetInfo.of(AssetType.BINARY),
                    w.allocateBlock(BIG_BLOCK, Tier.TOP), BIG_BLOCK);
            reg.evict("big");
            IllegalStateException e = assertThrows(IllegalStateException.class, evicted::readAll);
            assertTrue(e.getMessage().contains("no longer registered"), e.getMessage());

            Asset released = reg.register("big2", AssetInfo.of(AssetType.BINARY),
                    w.allocateBlock(BIG_BLOCK, Tier.TOP), BIG_BLOCK);
            w.resetTier(Tier.TOP); // behind the registry's back: the asset's block is gone
            assertThrows(InvalidHandleException.class, released::readAll);
            reg.evict("big2"); // frees nothing: the block is no longer its own

            Asset orphan = reg.register("big3", AssetInfo.of(AssetType.BINARY),
                    w.allocateBlock(BIG_BLOCK, Tier.TOP), BIG_BLOCK);
            w.close();
            assertThrows(IllegalStateException.class, orphan::readAll);
        }
    }
}
