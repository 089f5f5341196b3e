package io.walloc;

/**
 * {@link Walloc#bulkCopy(long[])} refused an entry: nothing was copied. Says which entry (the
 * first bad one) and why.
 *
 * <p>Thread safety: immutable after construction.
 */
public class BulkCopyException extends IllegalArgumentException implements WallocError {
    private static final long serialVersionUID = 1L;

    private final transient Status status;
    /** The index of the first refused entry. */
    private final int failedIndex;

    /**
     * Creates the exception.
     *
     * @param status why the entry was refused
     * @param failedIndex the entry's index
     * @param message what was wrong
     */
    public BulkCopyException(Status status, int failedIndex, String message) {
        super(message);
        this.status = status;
        this.failedIndex = failedIndex;
    }

    @Override
    public Status status() {
        return status;
    }

    /**
     * The index of the first entry that was refused.
     *
     * @return the index
     */
    public int failedIndex() {
        return failedIndex;
    }
}
