package io.walloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Per-thread bins of freed small blocks, in Java, in front of JNI (unchecked instances only; see
 * {@link WallocConfig#threadCache()}).
 *
 * <p>Why: an allocate+free pair through JNI costs more in the two crossings and the gate that
 * keeps close and reset safe than in the core's work (bench/java/RESULTS.md, "Design
 * measurements", and GateCostBench's figures per CPU). A free that pushes the block
 * onto the calling thread's bin and an allocation that pops it cross nothing and need no gate:
 * bins are plain Java arrays owned by one thread and touch no native memory.
 *
 * <p>Bins are per (thread, tier, granule count): a block freed with size s goes to the bin of
 * g = ceil(s / alignment) and serves only requests with the same g. The core rounds by granule
 * count too (its classes are unions of granule counts; {@code walloc_block_size} says what a
 * block spans), so a block is reused only for a request it fits, and a free of (h, g × alignment)
 * is the right free for it in the core. (Indexing by the core's class instead costs a dependent
 * load on both paths: bench/java/RESULTS.md, "Design measurements".)
 *
 * <p>Validation: a free is taken only when the handle is aligned for its tier (tiers lie in
 * order from handle 0, each as long as its capacity: {@code walloc_region_of}) and its block
 * ends at or below the highest block end the core handed out through this instance for that tier
 * ({@link #handedOut}); a reset, a compaction, or a large free the core may have given back to its
 * bump head lowers that bound to nothing ({@link #forget}, {@link #freedInCore}). Anything else
 * goes to the core, which checks fully. So a bin only ever holds memory the core committed, and
 * unchecked mode's promise (a free is checked against what the tier handed out) holds. Samples of
 * an allocation profile never enter a bin ({@link SampledPages}), and a sampled allocation never
 * takes from one, so every sample's allocation and free reach the core.
 *
 * <p>Resets and compactions advance the tier's epoch (its {@link TierHistory}, written with release
 * inside the exclusive operation, read here with acquire). A thread's bins of a tier belong to one
 * epoch; at its first call on the tier after a change the thread keeps the blocks that every
 * compaction since kept ({@link TierHistory#keptBelow}) and drops the rest, which the core forgot. A call
 * racing a reset may complete just before it: a block it takes is then dead on arrival, as if
 * allocated just before the reset.
 *
 * <p>Each bin counts its pushes and pops forever, like the core's bins: the difference is its
 * depth, so a push or a pop writes one counter (a second per-operation counter is a second chain
 * of store-to-load forwarding through the loop: bench/java/RESULTS.md, "Design measurements"). A thread's bins of a tier
 * hold at most {@code min(256 KiB, capacity / 64)} bytes: at most {@link #MAX_BINS} granule counts
 * have a bin, each holding at most its share of that (and 64 blocks; a size whose share is less
 * than one block is not cached); a size that finds all bins taken is not cached either. Blocks
 * in one thread's bins are not available to others (the core does not hand a block of one class
 * out for another either), which is what the bound is for.
 *
 * <p>Statistics ({@link #adjust}): the core counts a block in a bin as live; bins of the current
 * epoch count as free bytes instead, and bin allocations and frees join the totals. A dead
 * thread's bins are given back to the core by the next thread that makes bins.
 *
 * <p>Thread safety: {@link #take} and {@link #put} touch only the calling thread's bins;
 * {@link #handedOut}, {@link #freedInCore}, {@link #forget} and
 * {@link #adjust} run inside the instance's gate ({@link #forget} inside an exclusive section).
 */
final class ThreadCache {
    /** The largest request served from bins. */
    static final long MAX_SIZE = 4096;
    private static final int MAX_DEPTH = 64;
    /** Bins a thread may have per tier (one per granule count it frees). */
    static final int MAX_BINS = 32;
    private static final long MAX_TIER_BYTES = 256L << 10;

    private static final VarHandle INT = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LONG = MethodHandles.arrayElementVarHandle(long[].class);

    private final long w;
    private final Gate gate;
    private final TierHistory history; // the Walloc's: epochs, and what each compaction kept
    private final SampledPages samples; // null: the instance keeps no profile
    private final int[] shift = new int[3];
    private final long[][] blockBytes = new long[3][]; // [tier][granules], from the core
    private final int[][] cap = new int[3][]; // [tier][granules]: blocks a bin may hold
    private final long[] tierStart; // walloc_tier_range: the tiers follow each other from handle 0
    private final long[] hi = new long[3]; // LONG access
    private final ThreadLocal<Bins> local = new ThreadLocal<>();
    private Bins first; // the first thread's bins, found without the ThreadLocal (checked by owner)
    private final List<Bins> registry = new ArrayList<>(); // guarded by itself, inside the gate
    private final long[] retiredAllocs = new long[3]; // guarded by registry
    private final long[] retiredFrees = new long[3]; // guarded by registry

    /** For the live instance w, whose tiers hold the given capacities. Called before any sharing. */
    ThreadCache(long w, Gate gate, TierHistory history, long[] tierStart, long[] capacity, SampledPages samples) {
        this.w = w;
        this.samples = samples;
        this.gate = gate;
        this.history = history;
        this.tierStart = tierStart;
        for (int t = 0; t < 3; t++) {
            shift[t] = Integer.numberOfTrailingZeros(WallocNative.tierAlignment(t));
            int n = (int) (MAX_SIZE >>> shift[t]) + 1;
            blockBytes[t] = new long[n];
            cap[t] = new int[n];
            long share = Math.min(MAX_TIER_BYTES, capacity[t] / 64) / MAX_BINS;
            for (int g = 1; g < n; g++) {
                blockBytes[t][g] = WallocNative.blockSize(w, t, (long) g << shift[t]);
                cap[t][g] = (int) Math.min(MAX_DEPTH, share / blockBytes[t][g]);
            }
        }
    }

    /** One thread's bins. Written by the owner only (or, once it is dead, by whoever gives them back). */
    private static final class Bins {
        final Thread owner = Thread.currentThread();
        final int[] epoch = new int[3]; // INT opaque: read by statistics
        final long[][] pushes = new long[3][]; // [tier][granules], forever; LONG opaque
        final long[][] pops = new long[3][]; // [tier][granules], forever (incl. drops); LONG opaque
        final long[][][] slots = new long[3][][]; // [tier][granules][cap], made at a bin's first push
        final int[] bins = new int[3]; // bins made per tier, at most MAX_BINS
        final long[] dropped = new long[3]; // pops that were no allocation; LONG opaque
        final long[] returned = new long[3]; // blocks given to the core, which counted them as frees again

        Bins(int[][] cap) {
            for (int t = 0; t < 3; t++) {
                pushes[t] = new long[cap[t].length];
                pops[t] = new long[cap[t].length];
                slots[t] = new long[cap[t].length][];
            }
        }

        int depth(int t, int c) {
            return (int) (pushes[t][c] - pops[t][c]);
        }

        /** Leaves the first keep blocks of bin c of tier t, dropping the others. */
        void shrink(int t, int c, int keep) {
            int n = depth(t, c);
            LONG.setOpaque(pops[t], c, pops[t][c] + (n - keep));
            LONG.setOpaque(dropped, t, dropped[t] + (n - keep));
        }
    }

    /* The bin of a request of size bytes (1..MAX_SIZE) in tier t: its granule count. */
    private int binOf(int t, long size) {
        return (int) ((size - 1) >>> shift[t]) + 1;
    }

    /* The tier whose span holds handle h (>= 0): tiers lie in order from handle 0. */
    private int tierOf(long h) {
        return h >= tierStart[2] ? 2 : h >= tierStart[1] ? 1 : 0;
    }

    private Bins mine() {
        Bins b = first;
        return b != null && b.owner == Thread.currentThread() ? b : local.get();
    }

    /* The owner's bins of tier t move to epoch e: blocks that every reset and compaction since
     * kept stay, the rest (forgotten by the core) are dropped. */
    private void adopt(Bins b, int t, int e) {
        long below = history.keptBelow(t, b.epoch[t], e);
        for (int c = 0; c < b.pushes[t].length; c++) {
            int n = b.depth(t, c);
            int kept = 0;
            long[] s = b.slots[t][c];
            for (int i = 0; i < n; i++) {
                if (s[i] + blockBytes[t][c] <= below) {
                    s[kept++] = s[i];
                }
            }
            b.shrink(t, c, kept);
        }
        INT.setOpaque(b.epoch, t, e);
    }

    /**
     * A block from the calling thread's bin for a request of size bytes (1..{@link #MAX_SIZE}) in
     * tier t, whose epoch the caller read as e, or {@link Walloc#NULL} (then the caller asks the
     * core). NULL after close too, so that the core's path reports it.
     */
    long take(int t, long size, int e) {
        Bins b = mine();
        if (b == null || gate.isClosed()) {
            return Walloc.NULL;
        }
        if (b.epoch[t] != e) {
            adopt(b, t, e);
        }
        int c = binOf(t, size);
        long[] pops = b.pops[t];
        long q = pops[c];
        int n = (int) (b.pushes[t][c] - q);
        if (n == 0) {
            return Walloc.NULL;
        }
        LONG.setOpaque(pops, c, q + 1);
        return b.slots[t][c][n - 1];
    }

    /**
     * Takes a freed block of size bytes into the calling thread's bin. false when it is not for
     * the bins (size, handle, full bin, closed instance, or its tier's epoch is not expected, when
     * expected is 0 or more): the caller gives it to the core.
     */
    boolean put(long h, long size, int expected) {
        if (size < 1 || size > MAX_SIZE || h < 0 || gate.isClosed()) {
            return false;
        }
        int t = tierOf(h);
        int e = history.now(t);
        if (expected >= 0 && e != expected) {
            return false;
        }
        int c = binOf(t, size);
        // the range check after the epoch read: a reset between the two empties the range
        if ((h & ((1L << shift[t]) - 1)) != 0 || blockBytes[t][c] > (long) LONG.getAcquire(hi, t) - h) {
            return false;
        }
        if (samples != null && samples.contains(h)) {
            return false; // a profile's sample: its free must reach the core, which takes it off its site
        }
        Bins b = mine();
        long[] s;
        if (b == null || b.epoch[t] != e || (s = b.slots[t][c]) == null) {
            return putSlow(h, t, c, e); // kept apart so that put stays small enough to inline
        }
        return push(b, t, c, s, h);
    }

    /* put for a thread without bins yet, bins of an older epoch, or a bin not made yet. */
    private boolean putSlow(long h, int t, int c, int e) {
        Bins b = mine();
        if (b == null) {
            b = register();
        }
        if (b.epoch[t] != e) {
            adopt(b, t, e);
        }
        long[] s = b.slots[t][c]; // its length is the bin's cap
        if (s == null) {
            if (cap[t][c] == 0 || b.bins[t] == MAX_BINS) {
                return false;
            }
            b.bins[t]++;
            s = b.slots[t][c] = new long[cap[t][c]];
        }
        return push(b, t, c, s, h);
    }

    private static boolean push(Bins b, int t, int c, long[] s, long h) {
        long[] pushes = b.pushes[t];
        long p = pushes[c];
        int n = (int) (p - b.pops[t][c]);
        if (n >= s.length) {
            return false;
        }
        s[n] = h;
        LONG.setOpaque(pushes, c, p + 1);
        return true;
    }

    /** Inside the gate: the core handed out h for a request of size bytes in tier t. */
    void handedOut(int t, long h, long size) {
        long end = h + (size <= MAX_SIZE ? blockBytes[t][binOf(t, Math.max(size, 1))] : size);
        long e;
        while (end > (e = (long) LONG.getAcquire(hi, t)) && !LONG.compareAndSet(hi, t, e, end)) {
            Thread.onSpinWait();
        }
    }

    /**
     * Inside the gate, after the core freed [h, h + size): a large block (above {@link #MAX_SIZE})
     * at the top of what was handed out may have gone back to the core's bump head, with free
     * neighbours below it, so the bound is forgotten until the next allocation.
     */
    void freedInCore(long h, long size) {
        if (size <= MAX_SIZE) {
            return;
        }
        int t = tierOf(h);
        if (h + size >= (long) LONG.getAcquire(hi, t)) {
            LONG.setRelease(hi, t, 0L);
        }
    }

    /** Inside an exclusive section, before the epoch advances: tier t handed out nothing yet. */
    void forget(int t) {
        LONG.setRelease(hi, t, 0L);
    }

    /* Inside the gate: b's blocks of tier t that are still valid go to the core. */
    private void giveBack(Bins b, int t) {
        int e = history.now(t);
        if (b.epoch[t] != e) {
            adopt(b, t, e);
        }
        for (int c = 0; c < b.pushes[t].length; c++) {
            int n = b.depth(t, c);
            long back = 0;
            for (int i = 0; i < n; i++) {
                if (WallocNative.free(w, b.slots[t][c][i], blockBytes[t][c]) == 0) {
                    back++;
                }
            }
            b.shrink(t, c, 0);
            LONG.setOpaque(b.returned, t, b.returned[t] + back);
        }
    }

    /**
     * Inside the gate: corrects the core's figures of tier t (in {@link TierStats} order) for the
     * blocks in bins of the current epoch and the bins' allocations and frees.
     */
    void adjust(int t, long[] v) {
        int e = history.now(t);
        long cachedBlocks = 0, cachedBytes = 0, allocs, frees;
        synchronized (registry) {
            allocs = retiredAllocs[t];
            frees = retiredFrees[t];
            for (Bins b : registry) {
                boolean current = (int) INT.getOpaque(b.epoch, t) == e;
                allocs -= (long) LONG.getOpaque(b.dropped, t);
                frees -= (long) LONG.getOpaque(b.returned, t);
                for (int c = 0; c < b.pushes[t].length; c++) {
                    long q = (long) LONG.getOpaque(b.pops[t], c);
                    long p = (long) LONG.getOpaque(b.pushes[t], c);
                    allocs += q;
                    frees += p;
                    if (current) {
                        cachedBlocks += p - q;
                        cachedBytes += (p - q) * blockBytes[t][c];
                    }
                }
            }
        }
        v[TierStats.LIVE_BYTES] = Math.max(0, v[TierStats.LIVE_BYTES] - cachedBytes);
        v[TierStats.LIVE_BLOCKS] = Math.max(0, v[TierStats.LIVE_BLOCKS] - cachedBlocks);
        v[TierStats.FREE_BYTES] += cachedBytes;
        v[TierStats.TOTAL_ALLOCS] += allocs;
        v[TierStats.TOTAL_FREES] += frees;
    }

    /** The calling thread's first bins; gives back what threads that died left in theirs. */
    private Bins register() {
        Bins mine = new Bins(cap);
        for (int t = 0; t < 3; t++) {
            mine.epoch[t] = history.now(t);
        }
        local.set(mine);
        int g;
        try {
            g = gate.enter();
        } catch (IllegalStateException closed) {
            return mine; // not registered: nothing to count after close
        }
        try {
            synchronized (registry) {
                for (Iterator<Bins> it = registry.iterator(); it.hasNext();) {
                    Bins b = it.next();
                    if (!b.owner.isAlive()) { // its last actions happen-before this (JLS 17.4.4)
                        it.remove();
                        retire(b);
                    }
                }
                registry.add(mine);
                if (first == null) {
                    first = mine;
                }
            }
        } finally {
            gate.exit(g);
        }
        return mine;
    }

    /* Inside the gate, holding the registry: a dead thread's blocks go back to the core and its
     * counts join the retired totals. */
    private void retire(Bins b) {
        if (first == b) {
            first = null;
        }
        for (int t = 0; t < 3; t++) {
            giveBack(b, t);
            for (int c = 0; c < b.pushes[t].length; c++) {
                retiredAllocs[t] += b.pops[t][c];
                retiredFrees[t] += b.pushes[t][c];
            }
            retiredAllocs[t] -= b.dropped[t];
            retiredFrees[t] -= b.returned[t];
        }
    }
}
