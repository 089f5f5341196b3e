package io.walloc;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How to create a {@link Walloc}: total capacity, each tier's share of it, checked mode, the
 * Java thread cache and the allocation profile. Made with {@link #builder()}; the defaults are
 * those of {@code walloc_config_default()}: 256 MiB, 50/30/20 %, unchecked; thread cache on;
 * no profile.
 *
 * <pre>{@code
 * WallocConfig cfg = WallocConfig.builder().capacity(64L << 20).share(Tier.BOTTOM, 0.4)
 *         .share(Tier.TOP, 0.3).checked(true).build();
 * }</pre>
 *
 * <p>Thread safety: instances are immutable and may be shared; a {@link Builder} is not
 * thread-safe.
 */
public final class WallocConfig {
    /** The smallest capacity the core accepts: 64 KiB. */
    public static final long MIN_CAPACITY = 64L << 10;
    /** The largest capacity the core accepts natively: 64 GiB. */
    public static final long MAX_CAPACITY = 64L << 30;
    /** The default capacity: 256 MiB. */
    public static final long DEFAULT_CAPACITY = 256L << 20;
    /** The sites a profile tracks unless {@link Builder#profileSites} says otherwise: the core's default. */
    public static final int DEFAULT_PROFILE_SITES = 1024;
    /** The most sites a profile can track (the core's limit). */
    public static final int MAX_PROFILE_SITES = 1 << 20;
    /** The frames a sampled allocation's stack keeps unless {@link Builder#profileDepth} says otherwise. */
    public static final int DEFAULT_PROFILE_DEPTH = 8;
    /** The most frames a sampled allocation's stack may keep. */
    public static final int MAX_PROFILE_DEPTH = 1024;

    private final long capacity;
    private final double[] shares;
    private final boolean checked;
    private final boolean threadCache;
    private final boolean freeUnclosedBlocks;
    private final int profileRate; // 0: no profile
    private final int profileSites;
    private final int profileDepth;
    private final Consumer<LeakReport> leakListener;

    private WallocConfig(Builder b) {
        this.capacity = b.capacity;
        this.shares = b.shares.clone();
        this.checked = b.checked;
        this.threadCache = b.threadCache;
        this.freeUnclosedBlocks = b.freeUnclosedBlocks;
        this.profileRate = b.profileRate;
        this.profileSites = b.profileSites;
        this.profileDepth = b.profileDepth;
        this.leakListener = b.leakListener;
    }

    /**
     * A builder holding the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The default configuration.
     *
     * @return 256 MiB, 50/30/20 %, unchecked, thread cache on
     */
    public static WallocConfig defaults() {
        return builder().build();
    }

    /**
     * Total bytes for all tiers together.
     *
     * @return the capacity
     */
    public long capacity() {
        return capacity;
    }

    /**
     * A tier's share of the capacity.
     *
     * @param tier the tier
     * @return a number in (0, 1]
     */
    public double share(Tier tier) {
        return shares[tier.code()];
    }

    /**
     * Whether frees are checked: double frees, wrong sizes and handles that are not the start of
     * a live block are detected, at the cost of a locked table lookup per allocation and free.
     *
     * @return true in checked mode
     */
    public boolean checked() {
        return checked;
    }

    /**
     * Whether {@link Walloc#free} and {@link Walloc#allocate} (and {@code tryAllocate},
     * {@link Walloc#allocateBlock} and {@link Block#close()}) keep freed blocks of up to 4 KiB in a per-thread cache in Java, so that a free followed by
     * an allocation of the same size on the same thread never crosses into native code (what
     * that saves per allocate+free pair: bench/java/RESULTS.md, {@code walloc} against
     * {@code wallocNoThreadCache}). Only in unchecked mode: checked
     * mode sends every call to the core, which checks it. The cost: blocks a thread holds are not
     * available to other threads (per thread and tier at most min(256 KiB, tier capacity / 64), in
     * bins for at most 32 sizes with an equal share each and 64 blocks at most), and a
     * free that the cache takes is checked only against the range the tier has handed out,
     * exactly as the core checks it in unchecked mode.
     *
     * @return true when the cache is used (unchecked mode and not turned off)
     */
    public boolean threadCache() {
        return threadCache && !checked;
    }

    /**
     * Whether a {@link Block} that becomes unreachable without being closed is freed by a
     * {@link java.lang.ref.Cleaner} (off by default). Each such block is counted in
     * {@link TierStats#unclosedBlocksFreed()}, and the first of each instance is logged (a
     * {@link System.Logger} warning of "io.walloc" with its size and tier), since it is a leak
     * in the program. It costs every {@link Walloc#allocateBlock} a Cleaner registration and the
     * garbage collector a phantom reference per block (bench/java/RESULTS.md); raw handles are
     * never watched.
     *
     * @return true when unclosed blocks are freed
     */
    public boolean freeUnclosedBlocks() {
        return freeUnclosedBlocks;
    }

    /**
     * Whether the instance keeps an allocation profile ({@link Builder#profile(int)}).
     *
     * @return true when {@link Walloc#profile()} answers
     */
    public boolean profiling() {
        return profileRate > 0;
    }

    /**
     * One in how many allocations of a thread is sampled, on average: 1 samples every allocation.
     * Each sample records its site (the allocating stack, or an asset's path) in the profile; see
     * {@link Walloc#profile()}.
     *
     * @return the rate, or 0 when the instance keeps no profile
     */
    public int profileRate() {
        return profileRate;
    }

    /**
     * How many distinct sites the profile tracks; samples from further sites are counted together
     * as {@link AllocationSite.Kind#OTHER} ({@link ProfileSnapshot#overflowSamples()}).
     *
     * @return the number of sites (default {@link #DEFAULT_PROFILE_SITES})
     */
    public int profileSites() {
        return profileSites;
    }

    /**
     * How many frames of a sampled allocation's stack name its site (the allocator's own frames
     * not counted).
     *
     * @return frames (default {@link #DEFAULT_PROFILE_DEPTH})
     */
    public int profileDepth() {
        return profileDepth;
    }

    /**
     * Who hears of the blocks still live when a profiled instance is closed
     * ({@link Builder#leakListener}); by default a {@link System.Logger} warning of "io.walloc".
     *
     * @return the listener, never null
     */
    public Consumer<LeakReport> leakListener() {
        return leakListener;
    }

    @Override
    public String toString() {
        return "WallocConfig[capacity=" + capacity + ", shares=" + Arrays.toString(shares) + ", checked=" + checked + ", threadCache=" + threadCache()
                + (freeUnclosedBlocks ? ", freeUnclosedBlocks" : "")
                + (profiling() ? ", profile=1/" + profileRate + " (" + profileSites + " sites, " + profileDepth + " frames)" : "")
                + "]";
    }

    /**
     * Builds a {@link WallocConfig}. Setters check their own argument; {@link #build()} checks the
     * whole (shares summing to at most 1) with the core's own validation.
     *
     * <p>Thread safety: not thread-safe; use one builder per thread.
     */
    public static final class Builder {
        private long capacity = DEFAULT_CAPACITY;
        private final double[] shares = {Tier.TOP.defaultShare(), Tier.MIDDLE.defaultShare(), Tier.BOTTOM.defaultShare()};
        private boolean checked;
        private boolean threadCache = true;
        private boolean freeUnclosedBlocks;
        private int profileRate;
        private int profileSites = DEFAULT_PROFILE_SITES;
        private int profileDepth = DEFAULT_PROFILE_DEPTH;
        private Consumer<LeakReport> leakListener = LeakReport::log;

        private Builder() {}

        /**
         * Sets the total capacity.
         *
         * @param bytes between {@link #MIN_CAPACITY} and {@link #MAX_CAPACITY}
         * @return this builder
         * @throws IllegalArgumentException outside that range
         */
        public Builder capacity(long bytes) {
            if (bytes < MIN_CAPACITY || bytes > MAX_CAPACITY) {
                throw new WallocArgumentException(Status.INVALID_CONFIG, "capacity " + bytes + " is outside [" + MIN_CAPACITY + ", " + MAX_CAPACITY + "] bytes");
            }
            this.capacity = bytes;
            return this;
        }

        /**
         * Sets one tier's share of the capacity.
         *
         * @param tier the tier
         * @param share a number in (0, 1]; the three shares together at most 1
         * @return this builder
         * @throws IllegalArgumentException for a share outside (0, 1]
         * @throws NullPointerException for a null tier
         */
        public Builder share(Tier tier, double share) {
            if (tier == null) {
                throw new NullPointerException("tier is null");
            }
            if (!(share > 0.0 && share <= 1.0)) {
                throw new WallocArgumentException(Status.INVALID_CONFIG, "share of " + tier + " must be in (0, 1], got " + share);
            }
            shares[tier.code()] = share;
            return this;
        }

        /**
         * Sets all three shares at once.
         *
         * @param top share of {@link Tier#TOP}
         * @param middle share of {@link Tier#MIDDLE}
         * @param bottom share of {@link Tier#BOTTOM}
         * @return this builder
         * @throws IllegalArgumentException for a share outside (0, 1]
         */
        public Builder shares(double top, double middle, double bottom) {
            return share(Tier.TOP, top).share(Tier.MIDDLE, middle).share(Tier.BOTTOM, bottom);
        }

        /**
         * Turns checked mode on or off (see {@link WallocConfig#checked()}).
         *
         * @param on true for checked mode
         * @return this builder
         */
        public Builder checked(boolean on) {
            this.checked = on;
            return this;
        }

        /**
         * Turns the Java thread cache on (the default) or off (see {@link WallocConfig#threadCache()}).
         *
         * @param on false to send every allocate and free to the core
         * @return this builder
         */
        public Builder threadCache(boolean on) {
            this.threadCache = on;
            return this;
        }

        /**
         * Turns the Cleaner for unclosed blocks on or off (see {@link WallocConfig#freeUnclosedBlocks()}).
         *
         * @param on true to free blocks that become unreachable unclosed
         * @return this builder
         */
        public Builder freeUnclosedBlocks(boolean on) {
            this.freeUnclosedBlocks = on;
            return this;
        }

        /**
         * Keeps an allocation profile: one in {@code rate} allocations of each thread, on average,
         * is sampled (the gap to the next sample is drawn uniformly from 1 to {@code 2 * rate - 1},
         * so a periodic workload does not alias), its site recorded: the stack that allocated it
         * ({@link #profileDepth} frames, the allocator's own left out), or the path of an asset the
         * registry loads (every asset's block is recorded, whatever the rate). {@link Walloc#profile()}
         * then says which sites hold how much of each tier, and {@link Walloc#close()} reports the
         * sampled blocks still live ({@link #leakListener}).
         *
         * <p>Cost (bench/java/RESULTS.md: ProfileBench): each sample walks the stack, which costs
         * far more than an allocation, so at rate 1000 an allocation pays a little on average, and
         * at rate 1 (for tests and leak hunts) a stack walk each. Every allocation also counts down (a per-thread
         * counter) and, with the thread cache, every free tests a bitmap: about a nanosecond or
         * two. Not called: no profile, and allocation costs a null check more than before
         * profiles existed.
         *
         * @param rate 1 or more; 1 samples every allocation
         * @return this builder
         * @throws IllegalArgumentException for a rate below 1
         */
        public Builder profile(int rate) {
            if (rate < 1) {
                throw new WallocArgumentException(Status.INVALID_CONFIG, "profile rate must be 1 or more (one in rate "
                        + "allocations sampled), got " + rate);
            }
            this.profileRate = rate;
            return this;
        }

        /**
         * Sets how many distinct sites the profile tracks (see {@link WallocConfig#profileSites()});
         * takes effect with {@link #profile(int)}.
         *
         * @param sites 1 to {@link #MAX_PROFILE_SITES}
         * @return this builder
         * @throws IllegalArgumentException outside that range
         */
        public Builder profileSites(int sites) {
            if (sites < 1 || sites > MAX_PROFILE_SITES) {
                throw new WallocArgumentException(Status.INVALID_CONFIG, "profileSites " + sites + " is outside [1, "
                        + MAX_PROFILE_SITES + "]");
            }
            this.profileSites = sites;
            return this;
        }

        /**
         * Sets how many stack frames name a sampled allocation's site (see
         * {@link WallocConfig#profileDepth()}); takes effect with {@link #profile(int)}.
         *
         * @param frames 1 to {@link #MAX_PROFILE_DEPTH}
         * @return this builder
         * @throws IllegalArgumentException outside that range
         */
        public Builder profileDepth(int frames) {
            if (frames < 1 || frames > MAX_PROFILE_DEPTH) {
                throw new WallocArgumentException(Status.INVALID_CONFIG, "profileDepth " + frames + " is outside [1, "
                        + MAX_PROFILE_DEPTH + "]");
            }
            this.profileDepth = frames;
            return this;
        }

        /**
         * Sets who hears of leaks: when an instance with a profile is closed while sampled blocks
         * are still live, {@code listener} gets a {@link LeakReport} of their sites, on the closing
         * thread, after the instance is closed. Nothing live, no report. What the listener throws
         * is logged and does not stop the close. Default: {@link LeakReport#log}, one
         * {@link System.Logger} warning of "io.walloc".
         *
         * @param listener the listener
         * @return this builder
         * @throws NullPointerException for a null listener
         */
        public Builder leakListener(Consumer<LeakReport> listener) {
            this.leakListener = Objects.requireNonNull(listener, "listener is null");
            return this;
        }

        /**
         * Builds the configuration after the core validated it ({@code walloc_config_validate}, the
         * one authority on what an instance accepts: the setters only refuse what is wrong
         * whatever else is set, to say so at once).
         *
         * @return the configuration
         * @throws IllegalArgumentException when the core refuses the configuration (say, shares
         *     that sum to more than 1, or a tier smaller than a page); the message gives the sum
         */
        public WallocConfig build() {
            int st = WallocNative.configValidate(capacity, shares[0], shares[1], shares[2], checked,
                    profileRate > 0 ? profileSites : 0);
            if (st != 0) {
                Status s = Status.ofCode(st);
                throw new WallocArgumentException(s, "configuration refused by the core (" + s.description()
                        + "): capacity " + capacity + ", tier shares TOP " + shares[0] + ", MIDDLE " + shares[1]
                        + ", BOTTOM " + shares[2] + " (sum " + (shares[0] + shares[1] + shares[2]) + ")"
                        + (checked ? ", checked" : "") + (profileRate > 0 ? ", " + profileSites + " profile sites" : ""));
            }
            return new WallocConfig(this);
        }
    }
}
