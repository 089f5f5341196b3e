package io.walloc;

/**
 * An argument the core refused: an unknown tier ({@link Status#INVALID_TIER}), a size no tier can
 * hold ({@link Status#INVALID_SIZE}), a bad configuration ({@link Status#INVALID_CONFIG}), or
 * another impossible argument ({@link Status#INVALID_ARGUMENT}). Nothing changed.
 *
 * <p>Thread safety: immutable after construction.
 */
public class WallocArgumentException extends IllegalArgumentException implements WallocError {
    private static final long serialVersionUID = 1L;

    private final transient Status status;

    /**
     * Creates the exception.
     *
     * @param status why
     * @param message what was wrong
     */
    public WallocArgumentException(Status status, String message) {
        super(message);
        this.status = status;
    }

    @Override
    public Status status() {
        return status;
    }
}
