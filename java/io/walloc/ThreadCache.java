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
 * <p>Why: an allocate+free pair through JNI costs ~13 ns of crossings and ~5 ns of the gate that
 * keeps close and reset safe, against ~6 ns of work in the core. A free that pushes the block
 * onto the calling thread's bin and an allocation that pops it cross nothing and need no gate:
 * bins are plain Java arrays owned by one thread and touch no native memory.
 *
 * <p>Bins are per (thread, tier, granule count): a block freed with size s goes to the bin of
 * g = ceil(s / alignment) and serves only requests with the same g. The core rounds by granule
 * count too (its classes are unions of granule counts), so a block is reused only for a request
 * it fits, and a free of (h, g × alignment) is the right free for it in the core.
 *
 * <p>Validation: a free is taken only when the handle is aligned for its tier (tiers lie in
 * order from handle 0, each as long as its capacity: {@code walloc_region_of}) and its block
 * ends at or below the highest block end the core handed out through this instance for that tier
 * since its last reset or compaction ({@link #handedOut}); anything else goes to the core, which
 * checks fully. So a bin only ever holds memory the core has committed, and unchecked
 * mode's promise (a free is checked against what the tier handed out) holds.
 *
 * <p>Resets and compactions advance the tier's epoch (the {@link Walloc}'s, written with release
 * inside the exclusive operation, read here with acquire). A thread's bins of a tier belong to one
 * epoch; its first call on the tier after a change drops them: the core forgot those blocks (as
 * with the core's own thread caches, dropped blocks below a compaction's keep count as live until
 * the next reset). A call racing a reset may complete just before it: a block it takes is then
 * dead on arrival, as if allocated just before the reset.
 *
 * <p>Each bin counts its pushes and pops forever, like the core's bins: the difference is its
 * depth, so a push or a pop writes one counter (a second per-operation counter cost ~2 ns per
 * pair: each is a chain of store-to-load forwarding through the loop). A bin holds at most
 * {@code min(64, max(1, min(32 KiB, capacity / 1024) / block size))} blocks.
 *
 * <p>Statistics ({@link #adjust}): the core counts a block in a bin as live; bins of the current
 * epoch count as free bytes instead, and bin allocations and frees join the totals. A dead
 * thread's bins are given back to the core by the next thread that makes bins.
 *
 * <p>Thread safety: {@link #take} and {@link #put} touch only the calling thread's bins;
 * {@link #handedOut}, {@link #forget} and {@link #adjust} run inside the instance's gate
 * ({@link #forget} inside an exclusive section).
 */
final class ThreadCache {
    /** The largest request served from bins. */
    static final long MAX_SIZE = 4096;
    private static final int MAX_DEPTH = 64;
    private static final long MAX_CLASS_BYTES = 32L << 10;

    private static final VarHandle INT = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LONG = MethodHandles.arrayElementVarHandle(long[].class);

    private final long w;
    private final Gate gate;
    private final int[] epoch; // the Walloc's
    private final int[] shift = new int[3];
    private final long[][] blockBytes = new long[3][]; // [tier][granules], from the core
    private final int[][] cap = new int[3][]; // [tier][granules]: blocks a bin may hold
    private final long start1; // MIDDLE's first handle
    private final long start2; // BOTTOM's first handle
    private final long[] hi = new long[3]; // LONG access
    private final ThreadLocal<Bins> local = new ThreadLocal<>();
    private Bins first; // the first thread's bins, found without the ThreadLocal (racy: checked by owner)
    private final List<Bins> registry = new ArrayList<>(); // guarded by itself, inside the gate
    private final long[] retiredAllocs = new long[3]; // guarded by registry
    private final long[] retiredFrees = new long[3]; // guarded by registry

    /** For the live instance w, whose tiers hold the given capacities. Called before any sharing. */
    ThreadCache(long w, Gate gate, int[] epoch, long[] capacity) {
        this.w = w;
        this.gate = gate;
        this.epoch = epoch;
        this.start1 = capacity[0];
        this.start2 = capacity[0] + capacity[1];
        for (int t = 0; t < 3; t++) {
            shift[t] = Integer.numberOfTrailingZeros(WallocNative.tierAlignment(t));
            int n = (int) (MAX_SIZE >>> shift[t]) + 1;
            blockBytes[t] = new long[n];
            cap[t] = new int[n];
            long classBytes = Math.min(MAX_CLASS_BYTES, capacity[t] / 1024);
            for (int g = 1; g < n; g++) {
                long b = WallocNative.blockSize(w, t, (long) g << shift[t]);
                blockBytes[t][g] = b;
                cap[t][g] = (int) Math.min(MAX_DEPTH, Math.max(1, classBytes / b));
            }
        }
    }

    /** One thread's bins. Written by the owner only (or, once it is dead, by whoever gives them back). */
    private static final class Bins {
        final Thread owner = Thread.currentThread();
        final int[] epoch = new int[3]; // INT opaque: read by statistics
        final long[][] pushes = new long[3][]; // [tier][granules], forever; LONG opaque
        final long[][] pops = new long[3][]; // [tier][granules], forever (incl. drops); LONG opaque
        final long[][][] slots = new long[3][][]; // [tier][granules][cap]
        final long[] dropped = new long[3]; // pops that were no allocation; LONG opaque

        Bins(int[][] cap) {
            for (int t = 0; t < 3; t++) {
                pushes[t] = new long[cap[t].length];
                pops[t] = new long[cap[t].length];
                slots[t] = new long[cap[t].length][];
            }
        }

        /** Drops the blocks of tier t and makes the bins belong to epoch e. */
        void adopt(int t, int e) {
            long n = 0;
            for (int g = 1; g < pushes[t].length; g++) {
                long p = pushes[t][g];
                n += p - pops[t][g];
                LONG.setOpaque(pops[t], g, p);
            }
            LONG.setOpaque(dropped, t, dropped[t] + n);
            INT.setOpaque(epoch, t, e);
        }
    }

    private int epochNow(int t) {
        return (int) INT.getAcquire(epoch, t);
    }

    private Bins mine() {
        Bins b = first;
        return b != null && b.owner == Thread.currentThread() ? b : local.get();
    }

    /**
     * A block from the calling thread's bin for a request of size bytes (1..{@link #MAX_SIZE}) in
     * tier t, or {@link Walloc#NULL} (then the caller asks the core). NULL after close too, so
     * that the core's path reports it.
     */
    long take(int t, long size) {
        Bins b = mine();
        if (b == null || gate.isClosed()) {
            return Walloc.NULL;
        }
        int e = epochNow(t);
        if (b.epoch[t] != e) {
            b.adopt(t, e);
            return Walloc.NULL;
        }
        int g = (int) ((size - 1) >>> shift[t]) + 1;
        long[] pops = b.pops[t];
        long q = pops[g];
        int n = (int) (b.pushes[t][g] - q);
        if (n == 0) {
            return Walloc.NULL;
        }
        LONG.setOpaque(pops, g, q + 1);
        return b.slots[t][g][n - 1];
    }

    /**
     * Takes a freed block of size bytes into the calling thread's bin. false when it is not for
     * the bins (size, handle, full bin, closed instance): the caller gives it to the core.
     */
    boolean put(long h, long size) {
        if (size < 1 || size > MAX_SIZE || h < 0 || gate.isClosed()) {
            return false;
        }
        int t = h >= start2 ? 2 : h >= start1 ? 1 : 0;
        int e = epochNow(t);
        int g = (int) ((size - 1) >>> shift[t]) + 1;
        // the range check after the epoch read: a reset between the two empties the range
        if ((h & ((1L << shift[t]) - 1)) != 0 || blockBytes[t][g] > (long) LONG.getAcquire(hi, t) - h) {
            return false;
        }
        Bins b = mine();
        if (b == null) {
            b = register();
        }
        if (b.epoch[t] != e) {
            b.adopt(t, e);
        }
        long[] pushes = b.pushes[t];
        long p = pushes[g];
        int n = (int) (p - b.pops[t][g]);
        if (n == cap[t][g]) {
            return false;
        }
        long[] s = b.slots[t][g];
        if (s == null) {
            s = b.slots[t][g] = new long[cap[t][g]];
        }
        s[n] = h;
        LONG.setOpaque(pushes, g, p + 1);
        return true;
    }

    /** Inside the gate: the core handed out h for a request of size bytes in tier t. */
    void handedOut(int t, long h, long size) {
        long end = h + (size <= MAX_SIZE ? blockBytes[t][(int) ((Math.max(size, 1) - 1) >>> shift[t]) + 1] : size);
        long e;
        while (end > (e = (long) LONG.getAcquire(hi, t)) && !LONG.compareAndSet(hi, t, e, end)) {
            Thread.onSpinWait();
        }
    }

    /** Inside an exclusive section, before the epoch advances: tier t handed out nothing yet. */
    void forget(int t) {
        LONG.setRelease(hi, t, 0L);
    }

    /**
     * Inside the gate: corrects the core's figures of tier t (in {@link TierStats} order) for the
     * blocks in bins of the current epoch and the bins' allocations and frees.
     */
    void adjust(int t, long[] v) {
        int e = epochNow(t);
        long cachedBlocks = 0, cachedBytes = 0, allocs, frees;
        synchronized (registry) {
            allocs = retiredAllocs[t];
            frees = retiredFrees[t];
            for (Bins b : registry) {
                boolean current = (int) INT.getOpaque(b.epoch, t) == e;
                allocs -= (long) LONG.getOpaque(b.dropped, t);
                for (int g = 1; g < b.pushes[t].length; g++) {
                    long q = (long) LONG.getOpaque(b.pops[t], g);
                    long p = (long) LONG.getOpaque(b.pushes[t], g);
                    allocs += q;
                    frees += p;
                    if (current) {
                        cachedBlocks += p - q;
                        cachedBytes += (p - q) * blockBytes[t][g];
                    }
                }
            }
        }
        v[4] = Math.max(0, v[4] - cachedBytes); // live bytes
        v[5] = Math.max(0, v[5] - cachedBlocks); // live blocks
        v[6] += cachedBytes; // free bytes
        v[8] += allocs; // total allocations
        v[9] += frees; // total frees
    }

    /** The calling thread's first bins; gives back what threads that died left in theirs. */
    private Bins register() {
        Bins mine = new Bins(cap);
        for (int t = 0; t < 3; t++) {
            mine.epoch[t] = epochNow(t);
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
                        giveBack(b);
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

    /* Inside the gate, holding the registry: a dead thread's blocks go back to the core. */
    private void giveBack(Bins b) {
        for (int t = 0; t < 3; t++) {
            long returned = 0;
            boolean current = b.epoch[t] == epochNow(t);
            for (int g = 1; g < b.pushes[t].length; g++) {
                long p = b.pushes[t][g];
                for (long q = b.pops[t][g]; current && q < p; q++) {
                    if (WallocNative.free(w, b.slots[t][g][(int) (q - b.pops[t][g])], (long) g << shift[t]) == 0) {
                        returned++;
                    }
                }
                retiredAllocs[t] += b.pops[t][g];
                retiredFrees[t] += p;
            }
            retiredAllocs[t] -= b.dropped[t];
            retiredFrees[t] -= returned; // the core counted those frees again
        }
    }
}
