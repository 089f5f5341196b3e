package io.walloc.assets;

import io.walloc.Block;
import io.walloc.Tier;
import io.walloc.TierStats;
import io.walloc.Walloc;
import io.walloc.WallocOutOfMemoryException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The byte budget of each tier of an {@link AssetRegistry} and the allocation that keeps it:
 * before a block is taken in a tier under a budget, the registry's least recently used assets of
 * the tier are evicted until it fits (see {@link AssetRegistry}'s class comment, "Budgets").
 *
 * <p>Thread safety: budgets may be set from any thread; {@link #take} runs under the tier's
 * lock ({@link #lock}), held by the caller, so concurrent loads cannot together overrun a budget.
 */
final class TierBudgets {
    /** Who gives up the least recently used asset of a tier. */
    interface Victims {
        /** Evicts the tier's least recently used asset; false when it has none. */
        boolean evictLeastRecent(Tier tier);
    }

    /**
     * What {@link #take} found: a block, or no room with the reason; {@code worthWaiting} when a
     * budget is in the way and loads in flight may still make room.
     */
    record Room(Block block, String why, boolean worthWaiting) {
        WallocOutOfMemoryException failure(Tier tier, long size) {
            return new WallocOutOfMemoryException(tier, size, why);
        }
    }

    private final Walloc walloc;
    private final Victims victims;
    private final Reservations inFlight;
    private final AtomicLongArray budgets = new AtomicLongArray(new long[] {-1, -1, -1});
    private final ReentrantLock[] locks = {new ReentrantLock(), new ReentrantLock(), new ReentrantLock()};

    TierBudgets(Walloc walloc, Victims victims, Reservations inFlight) {
        this.walloc = walloc;
        this.victims = victims;
        this.inFlight = inFlight;
    }

    /** The lock allocation, budget eviction, compaction and reset of the tier run under. */
    ReentrantLock lock(Tier tier) {
        return locks[tier.code()];
    }

    long get(Tier tier) {
        return budgets.get(tier.code());
    }

    void set(Tier tier, long bytes) {
        budgets.set(tier.code(), bytes);
    }

    /** Evicts until the tier's live bytes are within its budget; how many assets went. */
    int enforce(Tier tier) {
        long budget = get(tier);
        if (budget < 0) {
            return 0;
        }
        int n = 0;
        ReentrantLock tl = lock(tier);
        tl.lock();
        try {
            while (walloc.tierStats(tier).liveBytes() > budget && victims.evictLeastRecent(tier)) {
                n++;
            }
        } finally {
            tl.unlock();
        }
        return n;
    }

    /**
     * A block of size bytes in the tier, evicting least recently used assets first under a
     * budget, and, when the tier's free space is in pieces too small, on until the allocation
     * succeeds. The caller holds {@link #lock}(tier).
     */
    Room take(long size, Tier tier, String forPath) {
        long budget = get(tier);
        if (budget >= 0) {
            long need = walloc.footprint(size, tier);
            if (need > budget) {
                return new Room(null, "a block of " + size + " bytes (" + need + " with size-class rounding) is larger than "
                        + "the budget of tier " + tier + " (" + budget + " bytes)" + forWhat(forPath), false);
            }
            while (walloc.tierStats(tier).liveBytes() + need > budget) {
                if (!victims.evictLeastRecent(tier)) {
                    return new Room(null, "tier " + tier + " budget of " + budget + " bytes cannot take " + need
                            + " more bytes: " + walloc.tierStats(tier).liveBytes() + " bytes are live and no registered "
                            + "asset is left to evict" + forWhat(forPath) + " (" + roomReport(tier) + ")", true);
                }
            }
        }
        for (;;) {
            Block b = allocate(size, tier, forPath);
            if (b != null) {
                return new Room(b, null, false);
            }
            if (budget < 0 || !victims.evictLeastRecent(tier)) {
                return new Room(null, "tier " + tier + " has no room for " + size + " bytes" + forWhat(forPath) + " ("
                        + roomReport(tier) + ")", budget >= 0);
            }
        }
    }

    /* A block, or null when the tier has no room. An asset's block is named by its path in the
     * instance's allocation profile, if it keeps one (every asset recorded: there are few, and a
     * path says more than the loader's stack); a reservation without a path is sampled like any
     * allocation, at its caller's stack. */
    private Block allocate(long size, Tier tier, String forPath) {
        return forPath.isEmpty() ? walloc.tryAllocateBlock(size, tier)
                : walloc.tryAllocateBlock(size, tier, "asset:" + forPath);
    }

    /* What the tier holds, for a "no room" message: where the memory went. */
    private String roomReport(Tier tier) {
        TierStats s = walloc.tierStats(tier);
        int loads = inFlight.count(tier);
        return s.liveBytes() + " bytes live of " + s.capacity() + ", " + s.freeBytes() + " free in pieces, "
                + (s.capacity() - s.bumpHead()) + " never handed out; blocks of " + loads + " load"
                + (loads == 1 ? "" : "s") + " in flight";
    }

    private static String forWhat(String path) {
        return path == null || path.isEmpty() ? "" : " (for '" + path + "')";
    }
}
