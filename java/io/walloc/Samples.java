package io.walloc;

/**
 * The allocations an instance's profile samples ({@link WallocConfig.Builder#profile(int)}): each
 * made by the core as a sample of its site ({@code walloc_alloc_site}), its page marked before
 * anyone can free it, and recorded by the {@link Profiler}. The sampled path of {@link Walloc}'s
 * allocate, tryAllocate, allocateBlock and allocateBatch ({@link Batch}).
 *
 * <p>Thread safety: as {@link Walloc}'s.
 */
final class Samples {
    private final Walloc owner; // the Blocks' owner
    private final TierHistory history;
    private final long w;
    private final Gate gate;
    private final ThreadCache cache; // null: none
    private final Profiler profiler;
    private final long[] capacity;

    Samples(Walloc owner, TierHistory history, long w, Gate gate, ThreadCache cache, Profiler profiler, long[] capacity) {
        this.owner = owner;
        this.history = history;
        this.w = w;
        this.gate = gate;
        this.cache = cache;
        this.profiler = profiler;
        this.capacity = capacity;
    }

    /* allocate (or tryAllocate: orNull) of a sample, recorded at the caller's stack. */
    long allocate(long size, Tier tier, boolean orNull) {
        int t = tier.code();
        if (size < 0 || size > capacity[t]) {
            throw Errors.allocFailure(size, tier, capacity, gate); // before the stack walk: no site for a call that cannot allocate
        }
        long site = profiler.callerSite();
        long h;
        int g = gate.enter();
        try {
            h = inGate(size, t, site);
        } finally {
            gate.exit(g);
        }
        if (h == Walloc.NULL) {
            RuntimeException e = Errors.allocFailure(size, tier, capacity, gate);
            if (orNull && e instanceof WallocOutOfMemoryException) {
                return Walloc.NULL;
            }
            throw e;
        }
        profiler.allocated(h, size, tier, site);
        return h;
    }

    /* allocateBlock of a sample of site. */
    Block block(long size, Tier tier, long site) {
        int t = tier.code();
        Block b;
        int g = gate.enter();
        try {
            long h = inGate(size, t, site);
            if (h == Walloc.NULL) {
                return null; // the tier is full: the caller says so
            }
            b = new Block(owner, history, h, size, tier, history.of(t));
        } finally {
            gate.exit(g);
        }
        profiler.allocated(b.handle(), size, tier, site);
        return b;
    }

    /* Inside the gate: a block the core records as a sample of site, or Walloc.NULL. Its page is marked
     * before anyone can free it, so that its free reaches the core (SampledPages). */
    long inGate(long size, int t, long site) {
        long h = WallocNative.allocSite(w, size, t, site);
        if (h != Walloc.NULL) {
            profiler.recorded(h);
            if (cache != null) {
                cache.handedOut(t, h, size);
            }
        }
        return h;
    }
}
