package io.walloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Every lifetime question of one {@link Walloc}'s blocks, answered in one place: each tier's
 * epochs (how many resets and compactions it went through, and one more once the instance
 * closes), the survivor limit each ended epoch left (the handle below which a block, by its
 * footprint, lived through it), and the life a {@link Block} is known to have. Made by the
 * Walloc, given to its Blocks and its {@link ThreadCache}.
 *
 * <p>A block remembers the epoch it was allocated in; the thread caches keep their bins per
 * epoch. Every epoch is also an object, {@link Epoch}, marked {@linkplain Epoch#ended() ended}
 * when its tier moves on: a Block holds the one it is known alive in and checks it with one
 * dependent load (why not the number, or the instance's array: bench/java/RESULTS.md, "Design
 * measurements"). A block from an ended epoch is alive when its footprint ends at or below every
 * survivor limit since ({@link #keptBelow}): a reset leaves none, a compaction to {@code keep}
 * leaves the tier's start plus {@code keep}, rounded up to the tier's alignment.
 *
 * <p>Thread safety: {@link #advance} runs only inside the instance's exclusive section or its
 * close, one writer at a time; everything else is read anywhere without the gate, with acquire: a
 * read of an epoch sees every advance that happened before it and the limits it published.
 * {@link #alive} and {@link #blockAlive} call the core ({@code walloc_block_size}): inside the gate.
 */
final class TierHistory {
    /** One epoch of one tier. */
    static final class Epoch {
        /** The epoch of closed blocks: no tier's, ended from the start. */
        static final Epoch CLOSED = new Epoch(-1);

        private final int number;
        private volatile boolean ended;

        private Epoch(int number) {
            this.number = number;
            this.ended = number < 0;
        }

        /** Its place in the tier's sequence, from 0 (-1 for {@link #CLOSED}). */
        int number() {
            return number;
        }

        /** Whether the tier moved on from it (always true for {@link #CLOSED}). */
        boolean ended() {
            return ended;
        }
    }

    /** The limit of an epoch that nothing outlived (a reset, or the close). */
    static final long NOTHING_KEPT = Long.MIN_VALUE;

    private static final VarHandle EPOCH = MethodHandles.arrayElementVarHandle(Epoch[].class);
    private static final VarHandle LIFE;

    static {
        try {
            LIFE = MethodHandles.lookup().findVarHandle(Block.class, "life", Epoch.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long w;
    private final long[] tierStart;
    private final long[] capacity;
    private final Epoch[] current = {new Epoch(0), new Epoch(0), new Epoch(0)};
    private final long[][] limits = {new long[4], new long[4], new long[4]}; // [tier][epoch]
    private volatile boolean closing; // close() has begun: it ends every epoch before the gate says closed

    /** For the instance w whose tier t holds the handles [tierStart[t], tierStart[t] + capacity[t]). */
    TierHistory(long w, long[] tierStart, long[] capacity) {
        this.w = w;
        this.tierStart = tierStart;
        this.capacity = capacity;
    }

    /** Tier t's current epoch object (an acquire read). */
    Epoch of(int t) {
        return (Epoch) EPOCH.getAcquire(current, t);
    }

    /** Tier t's current epoch number (an acquire read). */
    int now(int t) {
        return of(t).number;
    }

    /** The survivor limit a compaction of tier t to keepBytes (0 or more) leaves. */
    long compactLimit(int t, long keepBytes) {
        long a = Tier.ofCode(t).alignment();
        long keep = keepBytes >= capacity[t] ? capacity[t] : (keepBytes + a - 1) / a * a; // no overflow
        return tierStart[t] + keep;
    }

    /** Close has begun: a Block that finds its epoch ended can tell that a close ended it. */
    void closing() {
        closing = true;
    }

    /** Whether close has begun. */
    boolean isClosing() {
        return closing;
    }

    /**
     * Inside the exclusive section or the close: moves tier t on to its next epoch, recording that
     * the blocks whose footprint ends above limit ({@link #NOTHING_KEPT}: all) died with this one.
     */
    void advance(int t, long limit) {
        Epoch ending = current[t]; // one writer at a time (see the class comment)
        int e = ending.number;
        if (e == limits[t].length) {
            limits[t] = Arrays.copyOf(limits[t], e * 2);
        }
        limits[t][e] = limit;
        Epoch next = new Epoch(e + 1);
        EPOCH.setRelease(current, t, next); // publishes limits[t][e] to whoever reads the new epoch
        ending.ended = true;
    }

    /** The handle below which blocks of tier t lived through every reset and compaction from
     *  epoch from to epoch to (the caller read to with acquire: the limits up to it are visible). */
    long keptBelow(int t, int from, int to) {
        long below = Long.MAX_VALUE;
        long[] l = limits[t];
        for (int e = from; e < to; e++) {
            below = Math.min(below, l[e]);
        }
        return below;
    }

    /** In the gate: whether the block [h, h + size) of tier t from epoch e is alive in epoch now. */
    boolean alive(int t, long h, long size, int e, int now) {
        return e == now || h + WallocNative.blockSize(w, t, size) <= keptBelow(t, e, now);
    }

    /** In the gate: whether the block [h, h + size) of tier t from epoch e is alive now. */
    boolean alive(int t, long h, long size, int e) {
        return alive(t, h, size, e, now(t));
    }

    /** The epoch a block is known alive in, or {@link Epoch#CLOSED}. */
    static Epoch life(Block b) {
        return b.life;
    }

    /** Block.close(): the block's epoch before, now {@link Epoch#CLOSED} (CLOSED: it was closed already). */
    static Epoch close(Block b) {
        return (Epoch) LIFE.getAndSet(b, Epoch.CLOSED);
    }

    /**
     * In the gate: whether block b, known alive in epoch blockEpoch, is still alive after its
     * tier's resets and compactions. A compaction keeps what lies wholly below keep by
     * footprint: the core moves its head to keep even inside a block's size class, and hands the
     * class's tail out again. Alive: the block is known alive in the current epoch from now on,
     * unless a close came in between.
     */
    boolean blockAlive(Block b, int blockEpoch) {
        int t = b.tier().code();
        Epoch now = of(t);
        if (!alive(t, b.handle(), b.size(), blockEpoch, now.number())) {
            return false;
        }
        if (blockEpoch != now.number()) {
            Epoch e = b.life;
            if (e.number() == blockEpoch) {
                LIFE.compareAndSet(b, e, now);
            }
        }
        return true;
    }
}
