package io.walloc;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One site of an allocation profile ({@link Walloc#profile()}): where sampled blocks were
 * allocated, and what they add up to in each tier. Figures are the samples' own, as the core
 * counts them (not scaled by the rate): at {@link WallocConfig#profileRate()} 1 they are every
 * block's, and a tier's sites add up to its {@link TierStats#liveBytes()} and
 * {@link TierStats#liveBlocks()}; at rate N the site's blocks number about N times its samples.
 * Live bytes count a block at its {@linkplain Walloc#footprint footprint}, as tier statistics do.
 *
 * <p>Thread safety: an immutable record.
 *
 * @param id the site's number in this instance's profile ({@code walloc_alloc_site}'s site);
 *     {@link #OTHER_ID} for the other sites
 * @param kind what the site is
 * @param frames for {@link Kind#STACK}, the allocating stack, innermost first, each frame as
 *     {@code class.method(File.java:line)}, without the allocator's own frames (at most
 *     {@link WallocConfig#profileDepth()}); for {@link Kind#NAMED}, the name alone (the asset
 *     registry's blocks: {@code asset:<path>}); for {@link Kind#OTHER}, {@link #OTHER_LABEL}
 * @param counts per tier (every tier present), in tier order
 */
public record AllocationSite(long id, Kind kind, List<String> frames, Map<Tier, Counts> counts) {
    /** The id of the other sites' entry ({@code WALLOC_SITE_OTHER}). */
    public static final long OTHER_ID = -1;
    /** The single frame of the other sites' entry. */
    public static final String OTHER_LABEL = "(other sites: the profile's table of sites was full)";

    /** What a site is. */
    public enum Kind {
        /** A stack: where the program called the allocator. */
        STACK,
        /** A name given at allocation ({@link Walloc#allocateBlock(long, Tier, String)}); the asset
         *  registry names each asset's block {@code asset:<path>}. */
        NAMED,
        /** Samples of every site beyond {@link WallocConfig#profileSites()}, counted together. */
        OTHER
    }

    /**
     * A site's figures in one tier.
     *
     * @param allocations sampled allocations since the instance was created (resets and
     *     compactions keep them; an {@link Walloc#allocateBatch allocateBatch} that failed and
     *     gave its blocks back counts those it had made)
     * @param liveBlocks sampled blocks still live: neither freed nor released by a reset or a
     *     compaction
     * @param liveBytes their bytes, at their footprint
     */
    public record Counts(long allocations, long liveBlocks, long liveBytes) {
        /** Nothing counted. */
        public static final Counts NONE = new Counts(0, 0, 0);

        Counts plus(Counts o) {
            return new Counts(allocations + o.allocations, liveBlocks + o.liveBlocks, liveBytes + o.liveBytes);
        }
    }

    /**
     * Checks and copies the arguments.
     *
     * @throws NullPointerException for a null argument
     * @throws IllegalArgumentException when counts lacks a tier
     */
    public AllocationSite {
        Objects.requireNonNull(kind, "kind is null");
        frames = List.copyOf(frames);
        EnumMap<Tier, Counts> m = new EnumMap<>(Tier.class);
        m.putAll(counts);
        if (m.size() != Tier.values().length || m.containsValue(null)) {
            throw new IllegalArgumentException("counts must hold every tier: " + counts);
        }
        counts = Collections.unmodifiableMap(m);
    }

    /**
     * The site's figures in a tier.
     *
     * @param tier the tier
     * @return the figures
     */
    public Counts counts(Tier tier) {
        return counts.get(Objects.requireNonNull(tier, "tier is null"));
    }

    /**
     * Sampled allocations in a tier.
     *
     * @param tier the tier
     * @return allocations
     */
    public long allocations(Tier tier) {
        return counts(tier).allocations();
    }

    /**
     * Sampled blocks still live in a tier.
     *
     * @param tier the tier
     * @return blocks
     */
    public long liveBlocks(Tier tier) {
        return counts(tier).liveBlocks();
    }

    /**
     * Their bytes in a tier.
     *
     * @param tier the tier
     * @return bytes
     */
    public long liveBytes(Tier tier) {
        return counts(tier).liveBytes();
    }

    /**
     * Sampled blocks still live, in every tier.
     *
     * @return blocks
     */
    public long liveBlocks() {
        long n = 0;
        for (Counts c : counts.values()) {
            n += c.liveBlocks();
        }
        return n;
    }

    /**
     * Their bytes, in every tier.
     *
     * @return bytes
     */
    public long liveBytes() {
        long n = 0;
        for (Counts c : counts.values()) {
            n += c.liveBytes();
        }
        return n;
    }

    /**
     * The site in one line: its innermost frame (or name), or a placeholder for a stack with no
     * frame outside the allocator.
     *
     * @return a label
     */
    public String label() {
        return label(frames);
    }

    static String label(List<String> frames) {
        return frames.isEmpty() ? "(no frames outside the allocator)" : frames.get(0);
    }
}
