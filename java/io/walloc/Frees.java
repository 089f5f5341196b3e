package io.walloc;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How a {@link Block}'s memory goes back: its {@code close()}, and the Cleaner's for a Block that
 * became unreachable unclosed ({@link WallocConfig#freeUnclosedBlocks()}). Either frees only a
 * block its {@link TierHistory} says is alive, checked and freed in one gate section, so that no
 * reset or compaction comes between them.
 *
 * <p>Thread safety: as {@link Walloc}'s.
 */
final class Frees {
    private final Object owner; // the Walloc, named in the log
    private final WallocConfig config;
    private final TierHistory history;
    private final long w;
    private final Gate gate;
    private final ThreadCache cache; // null: none
    private final SegmentScopes segments;
    private final AtomicLongArray unclosedFreed = new AtomicLongArray(3); // per tier
    private final AtomicBoolean unclosedLogged = new AtomicBoolean();

    Frees(Object owner, WallocConfig config, TierHistory history, long w, Gate gate, ThreadCache cache,
            SegmentScopes segments) {
        this.owner = owner;
        this.config = config;
        this.history = history;
        this.w = w;
        this.gate = gate;
        this.cache = cache;
        this.segments = segments;
    }

    /** Blocks of tier t the Cleaner freed. */
    long unclosedFreed(int t) {
        return unclosedFreed.get(t);
    }

    /* Block.close(): frees the block unless the owner is closed or a reset/compaction released it;
     * the check and the free happen in one gate section, so no reset can come between them. The
     * thread cache takes the block only while its tier is still in the block's epoch (a reset
     * racing that drops the bin). */
    void freeBlock(Block b, int blockEpoch) {
        Object key = b.segmentKeyIfAny();
        if (key != null) {
            segments.freed(b.handle(), key);
        }
        if (cache != null && cache.put(b.handle(), b.size(), blockEpoch)) {
            return;
        }
        int st = freeIfAlive(b.handle(), b.size(), b.tier().code(), blockEpoch, null);
        if (st != 0 && st != NOT_FREED) {
            throw Errors.error(st, "closing " + b, b.handle(), b.tier(), b.size());
        }
    }

    /* What freeIfAlive answers when it frees nothing: the instance is closed, or a reset or
     * compaction released the block (no core status is negative). */
    static final int NOT_FREED = -1;

    /* Frees the block [h, h + size) of tier t from epoch e in the core, unless the instance is
     * closed or a reset or compaction released it, after ending its segments of segmentOwner (null:
     * the caller did). Returns the core's status, or NOT_FREED. */
    int freeIfAlive(long h, long size, int t, int e, Object segmentOwner) {
        int g;
        try {
            g = gate.enter();
        } catch (IllegalStateException closed) {
            return NOT_FREED;
        }
        try {
            if (!history.alive(t, h, size, e)) {
                return NOT_FREED;
            }
            if (segmentOwner != null) {
                segments.freed(h, segmentOwner);
            }
            int st = CoreCalls.free(w, h, size);
            if (st == 0 && cache != null) {
                cache.freedInCore(h, size);
            }
            return st;
        } finally {
            gate.exit(g);
        }
    }

    /* Block's constructor: the Cleaner's action for it, or null when unclosed blocks are not watched. */
    UnclosedBlock watchUnclosed(Block b, int epoch) {
        if (!config.freeUnclosedBlocks()) {
            return null;
        }
        UnclosedBlock u = new UnclosedBlock(this, b.handle(), b.size(), b.tier(), epoch);
        Region.CLEANER.register(b, u);
        return u;
    }

    /* The Cleaner's thread: a Block of epoch e became unreachable unclosed. Frees it unless the
     * instance is closed or a reset or compaction released it; counts and (once) logs what it frees. */
    void freeUnclosed(long h, long size, Tier tier, int e) {
        int t = tier.code();
        int st = freeIfAlive(h, size, t, e, SegmentScopes.RAW); // alive: every segment at h is this block's
        if (st == 0) {
            unclosedFreed.incrementAndGet(t);
            if (unclosedLogged.compareAndSet(false, true)) {
                System.getLogger("io.walloc").log(System.Logger.Level.WARNING, owner + ": a Block of " + size
                        + " bytes in tier " + tier + " at " + Errors.hex(h) + " became unreachable without close(); the"
                        + " Cleaner freed it (this is logged once per instance; TierStats.unclosedBlocksFreed counts them all)");
            }
        }
    }
}
