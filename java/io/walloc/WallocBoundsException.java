package io.walloc;

/**
 * A range the core refused ({@link Status#OUT_OF_BOUNDS}): it starts in a tier but runs past what
 * that tier has handed out. Nothing was read, written or freed.
 *
 * <p>Thread safety: immutable after construction.
 */
public class WallocBoundsException extends IndexOutOfBoundsException implements WallocError {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was wrong
     */
    public WallocBoundsException(String message) {
        super(message);
    }

    @Override
    public Status status() {
        return Status.OUT_OF_BOUNDS;
    }
}
