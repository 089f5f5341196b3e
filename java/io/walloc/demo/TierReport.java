package io.walloc.demo;

import io.walloc.AllocationSite;
import io.walloc.ProfileSnapshot;
import io.walloc.Tier;
import io.walloc.TierStats;
import io.walloc.Walloc;
import io.walloc.assets.Asset;
import io.walloc.assets.AssetRegistry;
import io.walloc.assets.AssetType;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the demo prints about the tiers, and its evict-and-compact step between two tables. */
final class TierReport {
    private final PrintStream out;
    private final Walloc w;
    private final AssetRegistry reg;

    TierReport(PrintStream out, AssetRegistry reg) {
        this.out = out;
        this.w = reg.walloc();
        this.reg = reg;
    }

    /** One row per tier and a total: capacity, committed, head, live, peak, utilisation, assets. */
    void table() {
        String fmt = "%-7s %11s %11s %11s %11s %11s %8s %7s%n";
        out.printf(Locale.ROOT, fmt, "tier", "capacity", "committed", "head", "live", "peak", "util", "assets");
        long[] sum = new long[5];
        int assets = 0;
        for (Tier t : Tier.values()) {
            TierStats s = w.tierStats(t);
            out.printf(Locale.ROOT, fmt, t, Format.bytes(s.capacity()), Format.bytes(s.committed()),
                    Format.bytes(s.bumpHead()), Format.bytes(s.liveBytes()), Format.bytes(s.peak()),
                    Format.percent(s.liveBytes(), s.capacity()), reg.count(t));
            long[] row = {s.capacity(), s.committed(), s.bumpHead(), s.liveBytes(), s.peak()};
            for (int i = 0; i < row.length; i++) {
                sum[i] += row[i];
            }
            assets += reg.count(t);
        }
        out.printf(Locale.ROOT, fmt, "total", Format.bytes(sum[0]), Format.bytes(sum[1]), Format.bytes(sum[2]),
                Format.bytes(sum[3]), Format.bytes(sum[4]), Format.percent(sum[3], sum[0]), assets);
        out.println("(head: bytes handed out by the tier's bump pointer; util: live / capacity)");
    }

    /** Each tier's top n sites by live bytes (assets are named by their paths). */
    void topSites(ProfileSnapshot p, int n) {
        out.printf(Locale.ROOT, "Top sites by live bytes (profile: %s; %d sites):%n",
                p.rate() == 1 ? "every allocation sampled" : "one allocation in " + p.rate() + " sampled, assets all", p.sites().size());
        for (Tier t : Tier.values()) {
            List<AllocationSite> top = p.topSites(t, n);
            long rest = p.total(t).liveBytes(); // what the sites beyond the top hold
            out.printf(Locale.ROOT, "  %s%s%n", t, top.isEmpty() ? ": nothing sampled is live" : "");
            for (AllocationSite s : top) {
                rest -= s.liveBytes(t);
                out.printf(Locale.ROOT, "    %10s  %5d block%s  %s%n", Format.bytes(s.liveBytes(t)), s.liveBlocks(t),
                        s.liveBlocks(t) == 1 ? " " : "s", s.label());
            }
            long more = p.sites().stream().filter(s -> s.liveBytes(t) > 0).count() - top.size();
            if (more > 0) {
                out.printf(Locale.ROOT, "    %10s  at %d more site%s%n", Format.bytes(rest), more, more == 1 ? "" : "s");
            }
        }
    }

    /**
     * Evicts the manifest (text, BOTTOM: read once, then dropped) and all JSON, and the later half
     * of every other type's assets (in load order: they lie highest in their tier), then compacts
     * each tier.
     */
    void evictAndCompact(Asset manifest, List<Asset> loaded) {
        List<String> evict = new ArrayList<>();
        long evictBytes = 0;
        List<Asset> inOrder = new ArrayList<>(loaded);
        if (manifest != null) {
            inOrder.add(0, manifest);
        }
        Map<AssetType, Integer> seen = new HashMap<>();
        Map<AssetType, Integer> count = new HashMap<>();
        for (Asset a : inOrder) {
            count.merge(a.type(), 1, Integer::sum);
        }
        for (Asset a : inOrder) {
            int n = seen.merge(a.type(), 1, Integer::sum);
            if (a.type() == AssetType.JSON || a.type().defaultTier() == Tier.BOTTOM || n > count.get(a.type()) / 2) {
                evict.add(a.path());
                evictBytes += a.size();
            }
        }
        long[] headBefore = new long[3];
        for (Tier t : Tier.values()) {
            headBefore[t.code()] = w.tierStats(t).bumpHead();
        }
        int evicted = reg.evictBatch(evict);
        for (Tier t : Tier.values()) {
            reg.compact(t);
        }
        out.println();
        out.printf(Locale.ROOT, "Evicted %d assets (%s): the manifest and all JSON, the later half of the images and "
                + "binaries.%n", evicted, Format.bytes(evictBytes));
        StringBuilder sb = new StringBuilder("Compacted: ");
        for (Tier t : Tier.values()) {
            sb.append(t).append(" head ").append(Format.bytes(headBefore[t.code()])).append(" -> ")
                    .append(Format.bytes(w.tierStats(t).bumpHead())).append(t == Tier.BOTTOM ? "" : ", ");
        }
        out.println(sb);
    }
}
