package io.walloc;

/**
 * Implemented by every exception the façade throws for a status the core reported, so callers
 * (and the shared scenario runner) can read the exact {@link Status} whatever the Java exception
 * type is: {@link InvalidHandleException}, {@link WallocArgumentException},
 * {@link WallocBoundsException}, {@link WallocOutOfMemoryException}, {@link BulkCopyException}.
 *
 * <p>Thread safety: implementations are immutable.
 */
public interface WallocError {
    /**
     * The core's status that caused the exception.
     *
     * @return the status, never {@link Status#OK}
     */
    Status status();
}
