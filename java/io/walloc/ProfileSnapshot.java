package io.walloc;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * An instance's allocation profile at one moment ({@link Walloc#profile()}): every site that has
 * had a sample, what its sampled blocks add up to per tier, and what the profile could not name.
 * Taken under the core's profile lock, so the figures are consistent with each other.
 *
 * <pre>{@code
 * ProfileSnapshot p = w.profile();
 * for (AllocationSite s : p.topSites(Tier.TOP, 5)) {
 *     System.out.println(s.liveBytes(Tier.TOP) + " B live at " + s.frames());
 * }
 * }</pre>
 *
 * <p>Thread safety: an immutable record.
 *
 * @param rate one in how many allocations of a thread was sampled ({@link WallocConfig#profileRate()})
 * @param maxSites the sites the profile tracks ({@link WallocConfig#profileSites()})
 * @param overflowSamples samples counted at the other sites' entry because the table of sites was full
 * @param lostSamples samples not recorded at all: the core had no memory left for their record
 *     (the blocks were still handed out)
 * @param sites every site with a sample so far, by id; the other sites' entry, if any, last
 */
public record ProfileSnapshot(int rate, int maxSites, long overflowSamples, long lostSamples, List<AllocationSite> sites) {
    /**
     * Copies the list of sites.
     *
     * @throws NullPointerException for a null list or site
     */
    public ProfileSnapshot {
        sites = List.copyOf(sites);
    }

    /**
     * The sites holding the most live bytes in a tier, most first (ties: lower id first); only
     * sites with live bytes there.
     *
     * @param tier the tier
     * @param n how many at most, 0 or more
     * @return up to n sites
     * @throws IllegalArgumentException for a negative n
     */
    public List<AllocationSite> topSites(Tier tier, int n) {
        Objects.requireNonNull(tier, "tier is null");
        if (n < 0) {
            throw new IllegalArgumentException("negative n " + n);
        }
        return sites.stream().filter(s -> s.liveBytes(tier) > 0)
                .sorted(Comparator.comparingLong((AllocationSite s) -> s.liveBytes(tier)).reversed()
                        .thenComparing(ProfileSnapshot::byId))
                .limit(n).toList();
    }

    /**
     * The sites with sampled blocks still live in any tier, most live bytes first.
     *
     * @return the sites
     */
    public List<AllocationSite> liveSites() {
        return sites.stream().filter(s -> s.liveBlocks() > 0)
                .sorted(Comparator.comparingLong((AllocationSite s) -> s.liveBytes()).reversed().thenComparing(ProfileSnapshot::byId))
                .toList();
    }

    /**
     * A tier's figures over every site: at rate 1, its {@link TierStats}' live blocks and bytes.
     *
     * @param tier the tier
     * @return the sums
     */
    public AllocationSite.Counts total(Tier tier) {
        AllocationSite.Counts c = AllocationSite.Counts.NONE;
        for (AllocationSite s : sites) {
            c = c.plus(s.counts(tier));
        }
        return c;
    }

    /* The other sites' entry after every numbered site. */
    private static int byId(AllocationSite a, AllocationSite b) {
        return Long.compareUnsigned(a.id(), b.id());
    }
}
