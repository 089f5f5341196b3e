package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.walloc.Tier;
import io.walloc.Walloc;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Found while building the registry: a size-class request could not use freed large blocks, so
 * once a tier's bump head was near its end a 30 000-byte request failed although hundreds of KB
 * were free in coalesced large extents. The core now cuts class blocks from free extents.
 */
class CoreGapTest extends AssetTestBase {
    @Test
    void smallRequestFitsIntoFreedLargeBlocks() {
        Walloc w = open(1 << 20); // TOP: 512 KiB
        List<Long> hs = new ArrayList<>();
        long h;
        while ((h = w.tryAllocate(70_000, Tier.TOP)) != Walloc.NULL) {
            hs.add(h);
        }
        for (long x : hs.subList(0, hs.size() - 1)) {
            w.free(x, 70_000); // ~430 KiB free in large extents; the highest block stays
        }
        long small = w.tryAllocate(30_000, Tier.TOP);
        assertNotEquals(Walloc.NULL, small, "30 000 bytes with " + w.tierStats(Tier.TOP).freeBytes() + " bytes free: "
                + w.tierStats(Tier.TOP));
        w.free(small, 30_000);
        w.free(hs.get(hs.size() - 1), 70_000);
    }
}
