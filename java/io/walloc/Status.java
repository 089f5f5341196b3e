package io.walloc;

/**
 * The core's status codes ({@code walloc_status} in {@code walloc.h}), with their stable numbers.
 * The façade turns every non-{@link #OK} status into an exception (see {@link Walloc}); the enum
 * is public so that callers can inspect {@link InvalidHandleException#status()} and so on.
 *
 * <p>Thread safety: an enum; immutable and safe to share.
 */
public enum Status {
    /** Success. */
    OK(0),
    /** A required argument was missing, or a count or length was impossible. */
    INVALID_ARGUMENT(1),
    /** The tier is not TOP, MIDDLE or BOTTOM. */
    INVALID_TIER(2),
    /** The handle lies in no tier, or is not aligned for its tier. */
    INVALID_HANDLE(3),
    /** The range is not inside what its tier has handed out. */
    OUT_OF_BOUNDS(4),
    /** No room: the tier is full. */
    OUT_OF_MEMORY(5),
    /** Checked mode: the block was already freed. */
    DOUBLE_FREE(6),
    /** Checked mode: the size given to free differs from the size allocated. */
    SIZE_MISMATCH(7),
    /** Checked mode: the handle lies in a tier but is not the start of a live block. */
    NOT_A_BLOCK(8),
    /** The configuration (capacity, ratios) is invalid. */
    INVALID_CONFIG(9),
    /** The size is larger than the tier could ever hold. */
    INVALID_SIZE(10);

    private static final Status[] BY_CODE = values();

    private final int code;
    private volatile String description; // the core's walloc_status_str, read at the first description()

    Status(int code) {
        this.code = code;
    }

    /**
     * The C enum's number.
     *
     * @return the code
     */
    public int code() {
        return code;
    }

    /**
     * A short English description: the core's {@code walloc_status_str}, the one text every face
     * shows (read from the native library once per status).
     *
     * @return the description
     */
    public String description() {
        String d = description;
        if (d == null) {
            d = WallocNative.statusString(code); // racing threads read the same text
            description = d;
        }
        return d;
    }

    /**
     * The status with the given number.
     *
     * @param code a {@code walloc_status} number
     * @return the status
     * @throws IllegalArgumentException for an unknown number
     */
    public static Status ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("unknown walloc status " + code);
        }
        return BY_CODE[code];
    }
}
