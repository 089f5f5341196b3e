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

    /* walloc_stats's fields as the core names them (WALLOC_STATS_FIELDS), and where tierStats
     * puts each one: looked up by name once, so that no Java file knows a figure's position. */
    private static final String[] FIELDS = WallocNative.statsFields();

    /** How many figures {@link WallocNative#tierStats} fills. */
    static final int SLOTS = FIELDS.length;

    static final int CAPACITY = slot("capacity");
    static final int COMMITTED = slot("committed");
    static final int BUMP_HEAD = slot("bump_head");
    static final int PEAK = slot("peak");
    static final int LIVE_BYTES = slot("live_bytes");
    static final int LIVE_BLOCKS = slot("live_blocks");
    static final int FREE_BYTES = slot("free_bytes");
    static final int WASTED_BYTES = slot("wasted_bytes");
    static final int TOTAL_ALLOCS = slot("total_allocs");
    static final int TOTAL_FREES = slot("total_frees");
    static final int FAILED_ALLOCS = slot("failed_allocs");
    static final int RESETS = slot("resets");
    static final int ALIGNMENT = slot("alignment");
    static final int MAX_CLASS_SIZE = slot("max_class_size");

    /* The position of the core's field name; fails the class's initialisation when the core has none. */
    private static int slot(String name) {
        for (int i = 0; i < FIELDS.length; i++) {
            if (FIELDS[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("the native library reports no statistic named " + name + " (it reports "
                + java.util.Arrays.toString(FIELDS) + "): library and jar do not match");
    }

    static TierStats of(Tier tier, long[] v, long unclosedBlocksFreed) {
        return new TierStats(tier, v[CAPACITY], v[COMMITTED], v[BUMP_HEAD], v[PEAK], v[LIVE_BYTES], v[LIVE_BLOCKS],
                v[FREE_BYTES], v[WASTED_BYTES], v[TOTAL_ALLOCS], v[TOTAL_FREES], v[FAILED_ALLOCS], v[RESETS],
                (int) v[ALIGNMENT], (int) v[MAX_CLASS_SIZE], unclosedBlocksFreed);
    }
}
