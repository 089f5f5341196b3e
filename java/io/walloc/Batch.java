package io.walloc;

import java.util.Arrays;
import java.util.Objects;

/**
 * {@link Walloc#allocateBatch}: several blocks in one core call ({@code walloc_alloc_batch}), all
 * or nothing, with the entries an instance's profile samples made one by one ({@link Samples}).
 *
 * <p>Thread safety: as {@link Walloc}'s.
 */
final class Batch {
    private final long w;
    private final Gate gate;
    private final ThreadCache cache; // null: none
    private final Sampler sampler; // null: no profile
    private final Profiler profiler;
    private final Samples sampling;
    private final long[] capacity;

    Batch(long w, Gate gate, ThreadCache cache, Profiler profiler, Samples samples, long[] capacity) {
        this.w = w;
        this.gate = gate;
        this.cache = cache;
        this.profiler = profiler;
        this.sampler = profiler != null ? profiler.sampler() : null;
        this.sampling = samples;
        this.capacity = capacity;
    }

    long[] allocate(long[] sizes, Tier[] tiers) {
        Objects.requireNonNull(sizes, "sizes is null");
        Objects.requireNonNull(tiers, "tiers is null");
        if (sizes.length != tiers.length) {
            throw new IllegalArgumentException(sizes.length + " sizes but " + tiers.length + " tiers");
        }
        int[] codes = new int[tiers.length];
        for (int i = 0; i < tiers.length; i++) {
            if (tiers[i] == null) {
                throw new NullPointerException("tiers[" + i + "] is null");
            }
            codes[i] = tiers[i].code();
        }
        long[] out = new long[sizes.length];
        allocate(sizes, codes, out);
        return out;
    }

    void allocate(long[] sizes, int[] tierCodes, long[] out) {
        Objects.requireNonNull(sizes, "sizes is null");
        Objects.requireNonNull(tierCodes, "tierCodes is null");
        Objects.requireNonNull(out, "out is null");
        int n = sizes.length;
        if (tierCodes.length < n || out.length < n) {
            throw new IllegalArgumentException(n + " sizes but " + tierCodes.length + " tier codes and room for "
                    + out.length + " handles");
        }
        int[] samples = sampler != null ? sampler.dueAmong(n) : null;
        if (samples != null) {
            allocateBatchWithSamples(sizes, tierCodes, out, n, samples);
            return;
        }
        int g = gate.enter();
        int st;
        try {
            st = WallocNative.allocBatch(w, sizes, tierCodes, n, out);
            if (st == 0 && cache != null) {
                for (int i = 0; i < n; i++) {
                    cache.handedOut(tierCodes[i], out[i], sizes[i]);
                }
            }
        } finally {
            gate.exit(g);
        }
        if (st != 0) {
            throw batchFailure(st, n, tierCodes);
        }
    }

    static RuntimeException batchFailure(int st, int n, int[] tierCodes) {
        Status s = Status.ofCode(st);
        String what = "allocateBatch of " + n + " blocks";
        if (s == Status.OUT_OF_MEMORY) {
            return new WallocOutOfMemoryException(null, -1, what + ": a tier has no room (nothing was allocated)");
        }
        if (s == Status.INVALID_TIER) {
            return new WallocArgumentException(s, what + ": unknown tier code in " + Arrays.toString(tierCodes)
                    + " (nothing was allocated)");
        }
        if (s == Status.INVALID_SIZE) {
            return new WallocArgumentException(s, what + ": a size is larger than its tier (nothing was allocated)");
        }
        return Errors.error(st, what, Walloc.NULL, null, 0);
    }

    /* allocateBatch when entries samples (ascending) are samples: the others as one core batch, then
     * each sample on its own (at the caller's stack), all or nothing like the core's batch: every
     * entry is checked first, and a sample that finds no room gives back what was allocated. */
    void allocateBatchWithSamples(long[] sizes, int[] tierCodes, long[] out, int n, int[] samples) {
        for (int i = 0; i < n; i++) { // what the core's batch checks before it allocates
            int t = tierCodes[i];
            if (t < 0 || t >= 3) {
                throw batchFailure(Status.INVALID_TIER.code(), n, tierCodes);
            }
            if (sizes[i] < 0 || sizes[i] > capacity[t]) {
                throw batchFailure(Status.INVALID_SIZE.code(), n, tierCodes);
            }
        }
        long site = profiler.callerSite();
        int k = samples.length;
        long[] restSizes = new long[n - k];
        int[] restTiers = new int[n - k];
        long[] rest = new long[n - k];
        for (int i = 0, j = 0, r = 0; i < n; i++) {
            if (j < k && samples[j] == i) {
                j++;
            } else {
                restSizes[r] = sizes[i];
                restTiers[r++] = tierCodes[i];
            }
        }
        int st;
        int g = gate.enter();
        try {
            st = WallocNative.allocBatch(w, restSizes, restTiers, n - k, rest);
            boolean restMade = st == 0;
            int made = 0;
            for (; st == 0 && made < k; made++) {
                int i = samples[made];
                out[i] = sampling.inGate(sizes[i], tierCodes[i], site);
                if (out[i] == Walloc.NULL) {
                    st = Status.OUT_OF_MEMORY.code();
                    break;
                }
            }
            if (st == 0) {
                for (int i = 0, j = 0, r = 0; i < n; i++) {
                    if (j < k && samples[j] == i) {
                        j++;
                    } else {
                        out[i] = rest[r++];
                        if (cache != null) {
                            cache.handedOut(tierCodes[i], out[i], sizes[i]);
                        }
                    }
                }
            } else {
                for (int j = 0; j < made; j++) {
                    WallocNative.free(w, out[samples[j]], sizes[samples[j]]);
                }
                if (restMade) { // a failed core batch gave its own blocks back already
                    for (int r = 0; r < n - k; r++) {
                        WallocNative.free(w, rest[r], restSizes[r]);
                    }
                }
                Arrays.fill(out, 0, n, Walloc.NULL);
            }
        } finally {
            gate.exit(g);
        }
        if (st != 0) {
            throw batchFailure(st, n, tierCodes);
        }
        for (int i : samples) {
            profiler.allocated(out[i], sizes[i], Tier.ofCode(tierCodes[i]), site);
        }
    }
}
