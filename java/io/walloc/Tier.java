package io.walloc;

/**
 * The three tiers of a {@link Walloc} instance. Each tier is its own part of the region: a block
 * of one tier can never be freed into another, and resetting one tier leaves the others alone.
 *
 * <p>Thread safety: an enum; immutable and safe to share.
 */
public enum Tier {
    /** 128-byte alignment, default 50 % of the capacity: GPU and render assets. */
    TOP(0, 128, 0.5),
    /** 64-byte alignment, default 30 % of the capacity: scene assets. */
    MIDDLE(1, 64, 0.3),
    /** 8-byte alignment, default 20 % of the capacity: temporary data. */
    BOTTOM(2, 8, 0.2);

    private static final Tier[] BY_CODE = values();

    private final int code;
    private final int alignment;
    private final double defaultShare;

    Tier(int code, int alignment, double defaultShare) {
        this.code = code;
        this.alignment = alignment;
        this.defaultShare = defaultShare;
    }

    /**
     * The tier's number in the C API ({@code walloc_tier}): 0, 1 or 2. Stable; used by the
     * int-coded batch call.
     *
     * @return the code
     */
    public int code() {
        return code;
    }

    /**
     * Every block of this tier starts at a multiple of this many bytes (from the region's base).
     *
     * @return 128, 64 or 8
     */
    public int alignment() {
        return alignment;
    }

    /**
     * The share of the capacity this tier gets when the configuration does not say otherwise.
     *
     * @return 0.5, 0.3 or 0.2
     */
    public double defaultShare() {
        return defaultShare;
    }

    /**
     * The tier with the given C code.
     *
     * @param code 0, 1 or 2
     * @return the tier
     * @throws IllegalArgumentException for any other number
     */
    public static Tier ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("unknown tier code " + code + " (expected 0 TOP, 1 MIDDLE, 2 BOTTOM)");
        }
        return BY_CODE[code];
    }
}
