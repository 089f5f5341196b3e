package io.walloc;

/**
 * The one mapping from what the core answered to what the Java face throws: a status to the
 * documented exception with a message saying what was wrong, and a failed allocation's reason.
 * Used by {@link Walloc}, {@link Block} and the classes {@link Walloc} is made of.
 */
final class Errors {
    private Errors() {
    }

    static String hex(long handle) {
        return handle == Walloc.NULL ? "NULL" : "0x" + Long.toHexString(handle);
    }

    static void check(int st, String what, long handle, Tier tier, long size) {
        if (st != 0) {
            throw Errors.error(st, what, handle, tier, size);
        }
    }

    /** Maps a core status to the documented exception, with a message saying what was wrong. */
    static RuntimeException error(int st, String what, long handle, Tier tier, long size) {
        if (st == WallocNative.CLOSED) {
            return new IllegalStateException(what + ": the instance is closed");
        }
        Status s;
        try {
            s = Status.ofCode(st);
        } catch (IllegalArgumentException e) {
            return new IllegalStateException(what + ": unknown status " + st);
        }
        String msg = what + ": " + s.description();
        switch (s) {
            case INVALID_HANDLE:
                return new InvalidHandleException(s, handle, msg + " (handle " + Errors.hex(handle)
                        + " lies in no tier, or is misaligned for its tier)");
            case DOUBLE_FREE:
                return new InvalidHandleException(s, handle, msg + " (the block at " + Errors.hex(handle) + " was already freed)");
            case SIZE_MISMATCH:
                return new InvalidHandleException(s, handle, msg + " (" + size + " is not the size the block at "
                        + Errors.hex(handle) + " was allocated with)");
            case NOT_A_BLOCK:
                return new InvalidHandleException(s, handle, msg + " (" + Errors.hex(handle) + " is not the start of a live block)");
            case OUT_OF_BOUNDS:
                return new WallocBoundsException(msg + " (the range is past what the tier has handed out)");
            case OUT_OF_MEMORY:
                return new WallocOutOfMemoryException(tier, size, msg);
            case INVALID_TIER:
            case INVALID_SIZE:
            case INVALID_CONFIG:
            case INVALID_ARGUMENT:
                return new WallocArgumentException(s, msg);
            default:
                return new IllegalStateException(msg);
        }
    }

    /* Why an allocation of size bytes in tier returned NULL: a bad size, the instance closed, or no
     * room. capacity: each tier's bytes. */
    static RuntimeException allocFailure(long size, Tier tier, long[] capacity, Gate gate) {
        if (size < 0) {
            return new WallocArgumentException(Status.INVALID_SIZE, "negative size " + size + " (as unsigned: "
                    + Long.toUnsignedString(size) + " bytes) for tier " + tier);
        }
        long cap = capacity[tier.code()];
        if (size > cap) {
            return new WallocArgumentException(Status.INVALID_SIZE, "size " + size + " is larger than tier " + tier
                    + " (" + cap + " bytes)");
        }
        if (gate.isClosed()) { // the native gate refused the call
            return gate.closed();
        }
        return new WallocOutOfMemoryException(tier, size, "tier " + tier + " has no room for " + size + " bytes");
    }
}
