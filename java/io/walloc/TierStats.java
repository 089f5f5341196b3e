package io.walloc;

/**
 * A snapshot of one tier's statistics: every figure {@code walloc_tier_stats} reports. Counters
 * are read without stopping other threads, so figures taken while others allocate are each
 * correct but not necessarily from the same instant. All sizes in bytes.
 *
 * <p>Thread safety: an immutable record.
 *
 * @param tier the tier
 * @param capacity bytes the tier may use
 * @param committed bytes of memory backing the tier now
 * @param bumpHead bytes handed out by the bump head (the tier's used extent)
 * @param peak high-water mark of {@code bumpHead} since creation
 * @param liveBytes bytes in live blocks, counted at their block size (size class, or whole pages)
 * @param liveBlocks blocks allocated and not freed since the last reset
 * @param freeBytes bytes below the head free for reuse (free blocks, uncarved span room, free extents)
 * @param wastedBytes bytes below the head no block can use (span ends too short for a block)
 * @param totalAllocs successful allocations since creation
 * @param totalFrees successful frees since creation
 * @param failedAllocs failed allocations since creation
 * @param resets resets and compactions since creation
 * @param alignment the tier's alignment
 * @param maxClassSize the largest size served from size classes; larger blocks are "large"
 * @param unclosedBlocksFreed {@link Block}s nobody closed that the Cleaner freed since creation
 *     ({@link WallocConfig#freeUnclosedBlocks()}; counted by the Java face, not the core)
 */
public record TierStats(
        Tier tier,
        long capacity,
        long committed,
        long bumpHead,
        long peak,
        long liveBytes,
        long liveBlocks,
        long freeBytes,
        long wastedBytes,
        long totalAllocs,
        long totalFrees,
        long failedAllocs,
        long resets,
        int alignment,
        int maxClassSize,
        long unclosedBlocksFreed) {

    static TierStats of(Tier tier, long[] v, long unclosedBlocksFreed) {
        return new TierStats(tier, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
                v[11], (int) v[12], (int) v[13], unclosedBlocksFreed);
    }
}
