package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walloc.AllocationSite;
import io.walloc.LeakReport;
import io.walloc.ProfileSnapshot;
import io.walloc.Tier;
import io.walloc.Walloc;
import io.walloc.WallocConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With an allocation profile, the registry names each asset's block by its path
 * ({@code asset:<path>}), whatever the rate, also when the loader grows a body of unknown length
 * into new blocks; a block reserved without a path is sampled at its caller's stack.
 */
@Timeout(60)
class AssetProfileTest extends AssetTestBase {
    private TestServer server;
    private final List<LeakReport> leaks = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /* Rate MAX_VALUE: no stack is ever sampled, so every site is an asset's. */
    private Walloc profiled(int rate) {
        return Walloc.create(WallocConfig.builder().capacity(64L << 20).profile(rate).leakListener(leaks::add).build());
    }

    private static AllocationSite named(ProfileSnapshot p, String path) {
        for (AllocationSite s : p.sites()) {
            if (s.frames().equals(List.of("asset:" + path))) {
                assertEquals(AllocationSite.Kind.NAMED, s.kind());
                return s;
            }
        }
        throw new AssertionError("no site asset:" + path + " in " + p.sites());
    }

    private static void assertSitesAddUpToStats(Walloc w) {
        ProfileSnapshot p = w.profile();
        for (Tier t : Tier.values()) {
            assertEquals(w.tierStats(t).liveBytes(), p.total(t).liveBytes(), t + ": " + p);
            assertEquals(w.tierStats(t).liveBlocks(), p.total(t).liveBlocks(), t + ": " + p);
        }
    }

    @Test
    void registeredAndLoadedAssetsAreSitesNamedByTheirPaths() {
        try (Walloc w = profiled(Integer.MAX_VALUE)) {
            try (AssetRegistry reg = new AssetRegistry(w);
                    AssetLoader loader = AssetLoader.builder(server.base(), reg).build()) {
                reg.register("scene.txt", AssetType.TEXT, new byte[5000]);
                Asset tex = loader.load("fixed/300000/tex.png", AssetType.IMAGE).join();
                Asset blob = loader.load("chunked/200000/blob.bin", AssetType.BINARY).join(); // grown, then shrunk
                assertEquals(200_000, blob.size());

                ProfileSnapshot p = w.profile();
                assertEquals(3, p.sites().size(), p.toString());
                AllocationSite json = named(p, "scene.txt");
                assertEquals(1, json.liveBlocks(Tier.BOTTOM));
                AllocationSite png = named(p, "fixed/300000/tex.png");
                assertEquals(1, png.liveBlocks(Tier.TOP));
                assertEquals(w.footprint(tex.blockSize(), Tier.TOP), png.liveBytes(Tier.TOP));
                AllocationSite bin = named(p, "chunked/200000/blob.bin");
                assertEquals(1, bin.liveBlocks(Tier.MIDDLE));
                assertTrue(bin.allocations(Tier.MIDDLE) >= 3, "64 KiB, grown, shrunk to fit: " + bin);
                assertEquals(png, p.topSites(Tier.TOP, 5).get(0));
                assertSitesAddUpToStats(w);

                reg.evict("fixed/300000/tex.png");
                assertEquals(0, named(w.profile(), "fixed/300000/tex.png").liveBlocks());
            }
            for (AllocationSite s : w.profile().sites()) {
                assertEquals(0, s.liveBlocks(), "the registry's close evicted everything: " + s);
            }
        }
        assertEquals(List.of(), leaks);
    }

    /* A reservation without a path, sampled like any allocation. */
    private static Reservation reserveWithoutPath(AssetRegistry reg) {
        return reg.reserve(1000, Tier.MIDDLE);
    }

    @Test
    void aReservationWithoutAPathIsSampledAtItsCallersStack() {
        try (Walloc w = profiled(1); AssetRegistry reg = new AssetRegistry(w)) {
            try (Reservation r = reserveWithoutPath(reg)) {
                AllocationSite s = w.profile().topSites(Tier.MIDDLE, 1).get(0);
                assertEquals(AllocationSite.Kind.STACK, s.kind());
                assertTrue(s.frames().get(0).contains("AssetProfileTest.reserveWithoutPath("), s.frames().toString());
                r.buffer().put(0, (byte) 1);
            }
        }
        assertEquals(List.of(), leaks);
    }

    @Test
    void anInstanceClosedBeforeItsRegistryReportsTheAssetsAsLeaks() {
        Walloc w = profiled(Integer.MAX_VALUE);
        AssetRegistry reg = new AssetRegistry(w);
        reg.register("textures/wall.png", AssetType.IMAGE, new byte[10_000]);
        w.close(); // the registry still holds its asset
        reg.close(); // safe after the instance's close
        assertEquals(1, leaks.size());
        LeakReport r = leaks.get(0);
        assertEquals(1, r.sites().size());
        assertEquals(List.of("asset:textures/wall.png"), r.sites().get(0).frames());
        assertEquals(1, r.sites().get(0).liveBlocks(Tier.TOP));
        assertTrue(r.text().contains("asset:textures/wall.png"), r.text());
    }
}
