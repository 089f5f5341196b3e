package io.walloc;

/**
 * A tier has no room for the request ({@link Status#OUT_OF_MEMORY}). A {@code RuntimeException},
 * not an {@code Error}: the allocator stays usable, and freeing or resetting makes room again.
 * Callers who expect a full tier and prefer a sentinel use {@link Walloc#tryAllocate}, which
 * returns {@link Walloc#NULL} instead.
 *
 * <p>Thread safety: immutable after construction.
 */
public class WallocOutOfMemoryException extends RuntimeException implements WallocError {
    private static final long serialVersionUID = 1L;

    /** The tier that had no room. */
    private final Tier tier;
    /** The requested size. */
    private final long size;

    /**
     * Creates the exception.
     *
     * @param tier the tier that is full
     * @param size the requested size
     * @param message what was wrong
     */
    public WallocOutOfMemoryException(Tier tier, long size, String message) {
        super(message);
        this.tier = tier;
        this.size = size;
    }

    @Override
    public Status status() {
        return Status.OUT_OF_MEMORY;
    }

    /**
     * The tier that had no room (null for a batch or an instance that could not be created).
     *
     * @return the tier
     */
    public Tier tier() {
        return tier;
    }

    /**
     * The size that was asked for.
     *
     * @return bytes
     */
    public long size() {
        return size;
    }
}
