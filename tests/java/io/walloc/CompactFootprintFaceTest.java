package io.walloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walloc.assets.Asset;
import io.walloc.assets.AssetInfo;
import io.walloc.assets.AssetRegistry;
import io.walloc.assets.AssetType;
import io.walloc.assets.Reservation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs tests/scenarios/faces/compact_footprint.json (issue 15, item 3) through the Java face: for
 * every case, every way the face decides or acts on a block's life after a compaction must agree
 * with the scenario's {@code alive}, and acting on every block afterwards, as a user would, must
 * leave no two live blocks overlapping and every live pattern intact. The faces:
 * <ul>
 *   <li>{@link Block}: {@code isAlive()}, reads, {@code close()}; checked mode, unchecked with the
 *       thread cache on and off;</li>
 *   <li>raw handles in checked mode: freeing a released one is refused;</li>
 *   <li>the thread cache's survivors: blocks waiting in a bin when the compaction comes;</li>
 *   <li>{@link AssetRegistry}: adopted blocks ({@code compact(tier)} reports the lost ones) and
 *       open {@link Reservation}s, checked and unchecked.</li>
 * </ul>
 */
class CompactFootprintFaceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One case of the scenario. */
    record Case(String name, Tier tier, long[] sizes, long keep, boolean[] alive) {
        boolean anyReleased() {
            for (boolean a : alive) {
                if (!a) {
                    return true;
                }
            }
            return false;
        }

        int firstReleased() {
            for (int i = 0; i < alive.length; i++) {
                if (!alive[i]) {
                    return i;
                }
            }
            return -1;
        }

        int released() {
            int n = 0;
            for (boolean a : alive) {
                n += a ? 0 : 1;
            }
            return n;
        }
    }

    static List<Case> cases() throws IOException {
        Path f = ScenarioTest.dir().resolve("faces").resolve("compact_footprint.json");
        JsonNode root = JSON.readTree(f.toFile());
        List<Case> out = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            JsonNode s = c.get("sizes");
            JsonNode a = c.get("alive");
            long[] sizes = new long[s.size()];
            boolean[] alive = new boolean[a.size()];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = s.get(i).asLong();
                alive[i] = a.get(i).asBoolean();
            }
            out.add(new Case(c.get("name").asText(), Tier.valueOf(c.get("tier").asText()), sizes, c.get("keep").asLong(),
                    alive));
        }
        assertTrue(out.size() >= 12, "cases read from " + f);
        return out;
    }

    enum Mode {
        CHECKED(true, false),
        UNCHECKED_CACHE(false, true),
        UNCHECKED_NO_CACHE(false, false);

        final boolean checked;
        final boolean cache;

        Mode(boolean checked, boolean cache) {
            this.checked = checked;
            this.cache = cache;
        }

        Walloc open() {
            return Walloc.create(WallocConfig.builder().capacity(4L << 20).checked(checked).threadCache(cache).build());
        }
    }

    @TestFactory
    Stream<DynamicTest> blocks() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            for (Mode m : Mode.values()) {
                tests.add(DynamicTest.dynamicTest(c.name + " / Block / " + m, () -> runBlocks(c, m)));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> rawHandlesChecked() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name + " / raw / CHECKED", () -> runRaw(c)));
    }

    @TestFactory
    Stream<DynamicTest> threadCacheSurvivors() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name + " / bins", () -> runBins(c)));
    }

    @TestFactory
    Stream<DynamicTest> registry() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            for (Mode m : new Mode[] {Mode.CHECKED, Mode.UNCHECKED_CACHE}) {
                tests.add(DynamicTest.dynamicTest(c.name + " / assets / " + m, () -> runAssets(c, m)));
                tests.add(DynamicTest.dynamicTest(c.name + " / reservations / " + m, () -> runReservations(c, m)));
            }
        }
        return tests.stream();
    }

    // ------------------------------------------------------------------ the faces

    private static void runBlocks(Case c, Mode m) {
        try (Walloc w = m.open()) {
            Block[] b = new Block[c.sizes.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = w.allocateBlock(c.sizes[i], c.tier);
            }
            checkBackToBack(w, c, handles(b));
            for (int i = 0; i < b.length; i++) {
                b[i].write(0, pattern(i, c.sizes[i]));
            }
            w.fastCompactTier(c.tier, c.keep);
            for (int i = 0; i < b.length; i++) {
                assertEquals(c.alive[i], b[i].isAlive(), "block " + i + " isAlive()");
                if (c.alive[i]) {
                    assertArrayEquals(pattern(i, c.sizes[i]), b[i].read(0, (int) c.sizes[i]), "survivor " + i);
                } else {
                    int k = i;
                    assertThrows(InvalidHandleException.class, () -> b[k].read(0, 0), "released block " + k + " reads");
                }
            }
            Live live = new Live(w, c.tier);
            Block x = null;
            if (c.anyReleased()) {
                x = w.allocateBlock(c.sizes[c.firstReleased()], c.tier);
                x.write(0, pattern(100, x.size()));
                live.add(x.handle(), x.size(), 100);
            }
            for (Block k : b) {
                k.close(); // a released block frees nothing, and says nothing in checked mode either
            }
            List<Block> after = new ArrayList<>();
            for (int i = 0; i < b.length; i++) {
                Block n = w.allocateBlock(w.footprint(c.sizes[i], c.tier), c.tier);
                n.write(0, pattern(200 + i, n.size()));
                live.add(n.handle(), n.size(), 200 + i);
                after.add(n);
            }
            live.check((h, n) -> w.readData(h, (int) n));
            if (x != null) {
                assertTrue(x.isAlive());
                x.close();
            }
            after.forEach(Block::close);
        }
    }

    private static void runRaw(Case c) {
        try (Walloc w = Mode.CHECKED.open()) {
            long[] h = new long[c.sizes.length];
            for (int i = 0; i < h.length; i++) {
                h[i] = w.allocate(c.sizes[i], c.tier);
                w.writeData(h[i], pattern(i, c.sizes[i]));
            }
            checkBackToBack(w, c, h);
            w.fastCompactTier(c.tier, c.keep);
            Live live = new Live(w, c.tier);
            long x = Walloc.NULL;
            if (c.anyReleased()) {
                long size = c.sizes[c.firstReleased()];
                x = w.allocate(size, c.tier);
                w.writeData(x, pattern(100, size));
                live.add(x, size, 100);
            }
            for (int i = 0; i < h.length; i++) {
                if (c.alive[i]) {
                    assertArrayEquals(pattern(i, c.sizes[i]), w.readData(h[i], (int) c.sizes[i]), "survivor " + i);
                    w.free(h[i], c.sizes[i]);
                } else if (h[i] != x) { // a handle is an offset: once x starts there, it names x
                    int k = i;
                    assertThrows(InvalidHandleException.class, () -> w.free(h[k], c.sizes[k]),
                            "checked mode refuses to free released block " + k);
                }
            }
            for (int i = 0; i < h.length; i++) {
                long size = w.footprint(c.sizes[i], c.tier);
                long n = w.allocate(size, c.tier);
                w.writeData(n, pattern(200 + i, size));
                live.add(n, size, 200 + i);
            }
            live.check((hh, n) -> w.readData(hh, (int) n));
        }
    }

    /* Blocks waiting in the thread's bins when the compaction comes: the alive ones come back out
     * of the bins, and nothing handed out overlaps anything live. 64 MiB rather than the
     * scenario's 4: in 4 MiB a MIDDLE bin has no room for a 1280-byte block, so those cases would
     * not reach the bins (offsets count from the tier's start either way). */
    private static void runBins(Case c) {
        try (Walloc w = Walloc.create(WallocConfig.builder().capacity(64L << 20).build())) {
            long[] h = new long[c.sizes.length];
            for (int i = 0; i < h.length; i++) {
                h[i] = w.allocate(c.sizes[i], c.tier);
            }
            checkBackToBack(w, c, h);
            for (int i = 0; i < h.length; i++) {
                w.free(h[i], c.sizes[i]); // small ones into this thread's bins
            }
            w.fastCompactTier(c.tier, c.keep);
            Live live = new Live(w, c.tier);
            List<Long> again = new ArrayList<>();
            for (int i = 0; i < h.length; i++) {
                long n = w.allocate(c.sizes[i], c.tier);
                w.writeData(n, pattern(300 + i, c.sizes[i]));
                live.add(n, c.sizes[i], 300 + i);
                again.add(n);
            }
            for (int j = 0; j < h.length; j++) {
                if (c.alive[j] && c.sizes[j] > 0 && c.sizes[j] <= 4096) {
                    assertTrue(again.contains(h[j]), "survivor " + j + " waited in its bin and came back");
                }
            }
            live.check((hh, n) -> w.readData(hh, (int) n));
        }
    }

    private static void runAssets(Case c, Mode m) {
        try (Walloc w = m.open()) {
            AssetRegistry reg = new AssetRegistry(w);
            Block[] b = new Block[c.sizes.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = w.allocateBlock(c.sizes[i], c.tier);
            }
            checkBackToBack(w, c, handles(b));
            for (int i = 0; i < b.length; i++) {
                b[i].write(0, pattern(i, c.sizes[i]));
                reg.register("a" + i, AssetInfo.of(AssetType.BINARY), b[i], c.sizes[i]);
            }
            w.fastCompactTier(c.tier, c.keep); // the user's own compaction, behind the registry's back
            assertEquals(c.released(), reg.compact(c.tier), "assets compact(tier) reports lost");
            for (int i = 0; i < b.length; i++) {
                assertEquals(c.alive[i], reg.contains("a" + i), "asset " + i + " still registered");
                if (c.alive[i]) {
                    Asset a = reg.get("a" + i);
                    assertArrayEquals(pattern(i, c.sizes[i]), a.readAll(), "asset " + i);
                }
            }
            Live live = new Live(w, c.tier);
            Block x = null;
            if (c.anyReleased()) {
                x = w.allocateBlock(c.sizes[c.firstReleased()], c.tier);
                x.write(0, pattern(100, x.size()));
                live.add(x.handle(), x.size(), 100);
            }
            reg.close(); // evicts and frees what is still the registry's
            List<Block> after = new ArrayList<>();
            for (int i = 0; i < b.length; i++) {
                Block n = w.allocateBlock(w.footprint(c.sizes[i], c.tier), c.tier);
                n.write(0, pattern(200 + i, n.size()));
                live.add(n.handle(), n.size(), 200 + i);
                after.add(n);
            }
            live.check((h, n) -> w.readData(h, (int) n));
        }
    }

    private static void runReservations(Case c, Mode m) {
        try (Walloc w = m.open()) {
            AssetRegistry reg = new AssetRegistry(w);
            Reservation[] r = new Reservation[c.sizes.length];
            long[] h = new long[r.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = reg.reserve(c.sizes[i], c.tier);
                h[i] = r[i].handle();
                if (c.sizes[i] > 0) {
                    w.writeData(h[i], pattern(i, c.sizes[i]));
                }
            }
            checkBackToBack(w, c, h);
            w.fastCompactTier(c.tier, c.keep);
            assertEquals(0, reg.compact(c.tier), "reservations are no assets");
            Live live = new Live(w, c.tier);
            Block x = null;
            if (c.anyReleased()) {
                x = w.allocateBlock(c.sizes[c.firstReleased()], c.tier);
                x.write(0, pattern(100, x.size()));
                live.add(x.handle(), x.size(), 100);
            }
            for (int i = 0; i < r.length; i++) {
                if (c.alive[i]) {
                    assertEquals(c.sizes[i], r[i].commit("r" + i, AssetInfo.of(AssetType.BINARY), c.sizes[i]).size());
                } else {
                    int k = i;
                    assertThrows(InvalidHandleException.class,
                            () -> r[k].commit("r" + k, AssetInfo.of(AssetType.BINARY), c.sizes[k]),
                            "a released reservation is not registered");
                    assertFalse(reg.contains("r" + i));
                    assertFalse(r[i].isOpen(), "the failed commit closed it");
                }
                r[i].close();
            }
            reg.close();
            for (int i = 0; i < r.length; i++) {
                Block n = w.allocateBlock(w.footprint(c.sizes[i], c.tier), c.tier);
                n.write(0, pattern(200 + i, n.size()));
                live.add(n.handle(), n.size(), 200 + i);
            }
            live.check((hh, n) -> w.readData(hh, (int) n));
        }
    }

    // ------------------------------------------------------------------ helpers

    private static long[] handles(Block[] b) {
        long[] h = new long[b.length];
        for (int i = 0; i < b.length; i++) {
            h[i] = b[i].handle();
        }
        return h;
    }

    static long tierStart(Walloc w, Tier t) {
        return t == Tier.TOP ? 0 : t == Tier.MIDDLE ? w.capacity(Tier.TOP) : w.capacity(Tier.TOP) + w.capacity(Tier.MIDDLE);
    }

    /* The scenario's precondition: the case's blocks lie back to back from the tier's start. */
    private static void checkBackToBack(Walloc w, Case c, long[] h) {
        long at = tierStart(w, c.tier);
        for (int i = 0; i < h.length; i++) {
            if (h[i] != at) {
                fail("precondition: block " + i + " of " + c.sizes[i] + " bytes at " + Errors.hex(h[i]) + ", expected "
                        + Errors.hex(at) + " (back to back from the tier's start)");
            }
            at += w.footprint(c.sizes[i], c.tier);
        }
    }

    interface Reader {
        byte[] read(long handle, long length);
    }

    /* Live blocks by footprint, each with its pattern: none may overlap another, every pattern intact. */
    private static final class Live {
        private final Walloc w;
        private final Tier tier;
        private final List<long[]> blocks = new ArrayList<>(); // handle, size, seed

        Live(Walloc w, Tier tier) {
            this.w = w;
            this.tier = tier;
        }

        void add(long handle, long size, int seed) {
            blocks.add(new long[] {handle, size, seed});
        }

        void check(Reader r) {
            for (int i = 0; i < blocks.size(); i++) {
                long[] a = blocks.get(i);
                long aEnd = a[0] + w.footprint(a[1], tier);
                for (int j = i + 1; j < blocks.size(); j++) {
                    long[] b = blocks.get(j);
                    long bEnd = b[0] + w.footprint(b[1], tier);
                    if (a[0] < bEnd && b[0] < aEnd) {
                        fail("live blocks overlap: " + Errors.hex(a[0]) + "+" + a[1] + " and " + Errors.hex(b[0]) + "+" + b[1]);
                    }
                }
            }
            for (long[] a : blocks) {
                assertArrayEquals(pattern((int) a[2], a[1]), r.read(a[0], a[1]), "pattern of the live block at "
                        + Errors.hex(a[0]));
            }
        }
    }

    static byte[] pattern(int seed, long n) {
        byte[] b = new byte[(int) n];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 13 + i * 7 + (i >> 8));
        }
        return b;
    }
}
