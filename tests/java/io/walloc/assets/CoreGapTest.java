package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.walloc.Tier;
import io.walloc.Walloc;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * What the C core does not do yet, found while building the registry (see the assets report):
 * a size-class request cannot use freed large blocks. Once a tier's bump head is near its end,
 * a 30 000-byte request fails although hundreds of KB are free in coalesced large extents.
 * {@link AssetRegistry} works around it (a small request that finds no room asks for the
 * smallest large block). Enable this test when the core splits large extents for class requests.
 */
@Disabled("core gap: size-class allocations do not reuse freed large blocks (reported to the core)")
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
