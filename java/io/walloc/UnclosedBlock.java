package io.walloc;

/**
 * The safety net of one {@link Block} ({@link WallocConfig#freeUnclosedBlocks()}): a Cleaner
 * action that frees the block if it becomes unreachable without {@link Block#close()}. It holds
 * what the free needs and the owner, never the block (or the Cleaner could not see it die).
 *
 * <p>Thread safety: {@link #closed()} is called by the block's closer, {@link #run()} by the
 * Cleaner's thread once the block is unreachable, so after any close.
 */
final class UnclosedBlock implements Runnable {
    private final Frees owner;
    private final long handle;
    private final long size;
    private final Tier tier;
    private final int epoch;
    private volatile boolean closed;

    UnclosedBlock(Frees owner, long handle, long size, Tier tier, int epoch) {
        this.owner = owner;
        this.handle = handle;
        this.size = size;
        this.tier = tier;
        this.epoch = epoch;
    }

    /** The block was closed: nothing is left to do. */
    void closed() {
        closed = true;
    }

    @Override
    public void run() {
        if (!closed) {
            owner.freeUnclosed(handle, size, tier, epoch);
        }
    }
}
