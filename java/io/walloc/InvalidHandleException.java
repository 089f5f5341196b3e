package io.walloc;

/**
 * A handle (or block) does not name what the call needs: it lies in no tier, is misaligned, or
 * (checked mode) was already freed, was freed with the wrong size, or is not the start of a live
 * block; or a {@link Block} belongs to another instance, was closed, or was invalidated by a reset
 * or compaction of its tier. An {@code IllegalArgumentException}, so code that catches bad
 * arguments in general catches this too. Nothing changed in the allocator.
 *
 * <p>Thread safety: immutable after construction.
 */
public class InvalidHandleException extends IllegalArgumentException implements WallocError {
    private static final long serialVersionUID = 1L;

    private final transient Status status;
    /** The refused handle. */
    private final long handle;

    /**
     * Creates the exception.
     *
     * @param status the core's status ({@link Status#INVALID_HANDLE}, {@link Status#DOUBLE_FREE},
     *     {@link Status#SIZE_MISMATCH} or {@link Status#NOT_A_BLOCK})
     * @param handle the offending handle
     * @param message what was wrong
     */
    public InvalidHandleException(Status status, long handle, String message) {
        super(message);
        this.status = status;
        this.handle = handle;
    }

    /**
     * Why the handle was refused.
     *
     * @return the status
     */
    @Override
    public Status status() {
        return status;
    }

    /**
     * The handle that was refused.
     *
     * @return the handle
     */
    public long handle() {
        return handle;
    }
}
