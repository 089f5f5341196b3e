package io.walloc;

import java.util.List;
import java.util.Objects;

/**
 * The sampled blocks still live when a profiled instance was closed, by site: blocks nobody freed.
 * {@link Walloc#close()} hands it to {@link WallocConfig#leakListener()} when there are any; by
 * default {@link #log} writes {@link #text()} as one {@link System.Logger} warning of "io.walloc".
 *
 * <pre>{@code
 * Walloc.create(WallocConfig.builder().profile(1000).leakListener(r -> {
 *     for (AllocationSite s : r.sites()) {
 *         System.err.println(s.liveBlocks() + " blocks leaked at " + s.frames());
 *     }
 * }).build());
 * }</pre>
 *
 * <p>Thread safety: an immutable record.
 *
 * @param instance the instance that was closed ({@link Walloc#toString()} as it was before close)
 * @param rate one in how many allocations of a thread was sampled: at 1 every live block is here,
 *     at N about one in N
 * @param sites the sites with sampled blocks still live, most live bytes first
 * @param lostSamples samples the core could not record (no memory): live blocks among them are missing here
 */
public record LeakReport(String instance, int rate, List<AllocationSite> sites, long lostSamples) {
    /**
     * Copies the list of sites.
     *
     * @throws NullPointerException for a null argument
     */
    public LeakReport {
        Objects.requireNonNull(instance, "instance is null");
        sites = List.copyOf(sites);
    }

    /** The live sites of a last snapshot, or null when nothing is live. */
    static LeakReport of(String instance, ProfileSnapshot last) {
        List<AllocationSite> live = last.liveSites();
        return live.isEmpty() ? null : new LeakReport(instance, last.rate(), live, last.lostSamples());
    }

    /**
     * Sampled blocks still live, at every site.
     *
     * @return blocks
     */
    public long liveBlocks() {
        return sites.stream().mapToLong(s -> s.liveBlocks()).sum();
    }

    /**
     * Their bytes.
     *
     * @return bytes
     */
    public long liveBytes() {
        return sites.stream().mapToLong(s -> s.liveBytes()).sum();
    }

    /**
     * The report for people: a line saying what was left, then each site with its blocks and
     * bytes per tier and its frames.
     *
     * @return several lines
     */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(instance).append(" was closed with ").append(blocks(liveBlocks(), "sampled block")).append(" (")
                .append(liveBytes()).append(" bytes) still live at ").append(sites.size())
                .append(sites.size() == 1 ? " site" : " sites").append(rate == 1 ? "; every allocation was sampled:"
                        : "; one allocation in " + rate + " was sampled, so about " + rate + " times as many may be live:");
        for (AllocationSite s : sites) {
            b.append("\n  ").append(blocks(s.liveBlocks(), "block")).append(", ").append(s.liveBytes()).append(" bytes (");
            String sep = "";
            for (Tier t : Tier.values()) {
                if (s.liveBlocks(t) > 0) {
                    b.append(sep).append(t).append(": ").append(blocks(s.liveBlocks(t), "block")).append(", ")
                            .append(s.liveBytes(t)).append(" bytes");
                    sep = "; ";
                }
            }
            b.append(s.kind() == AllocationSite.Kind.OTHER ? ") at" : ") allocated at");
            if (s.frames().isEmpty()) {
                b.append("\n      ").append(s.label());
            }
            for (String f : s.frames()) {
                b.append("\n      ").append(f);
            }
        }
        if (lostSamples > 0) {
            b.append("\n  (").append(lostSamples).append(" samples could not be recorded: their blocks are not listed)");
        }
        return b.toString();
    }

    /**
     * The default listener: {@link #text()} as one warning of the {@link System.Logger} "io.walloc".
     *
     * @param report the report
     */
    public static void log(LeakReport report) {
        System.getLogger("io.walloc").log(System.Logger.Level.WARNING, report.text());
    }

    @Override
    public String toString() {
        return text();
    }

    private static String blocks(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
