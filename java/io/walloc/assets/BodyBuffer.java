package io.walloc.assets;

import io.walloc.Tier;
import io.walloc.WallocOutOfMemoryException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * One response body as it lands in a {@link Reservation}: the first block sized from the
 * declared length (or {@link LoadSettings#initialBlockSize()} when none), doubled when a body of
 * unknown length outgrows it, shrunk to fit at the end, then committed. Every step returns null
 * or the {@link AssetLoadException} the load fails with; the caller then {@linkplain #free frees}.
 *
 * <p>Not thread-safe: its {@link LoadTask} calls it under the task's monitor.
 */
final class BodyBuffer {
    private final LoadSettings settings;
    private final LoadFailures failures;
    private final LoadRequest request;
    private final Tier tier;
    private Reservation reservation;
    private long received;
    private long known = -1; // Content-Length
    private long limit;       // most bytes accepted
    private Asset asset;

    BodyBuffer(LoadSettings settings, LoadFailures failures, LoadRequest request, Tier tier) {
        this.settings = settings;
        this.failures = failures;
        this.request = request;
        this.tier = tier;
    }

    /** Takes the first block for a body of declared length {@code length} (maybe unknown). */
    AssetLoadException open(OptionalLong length, long max) {
        long first;
        if (length.isPresent()) {
            known = length.getAsLong();
            limit = known;
            first = known;
        } else if (request.expectedSize() >= 0) {
            limit = request.expectedSize();
            first = limit;
        } else {
            limit = max;
            first = Math.min(settings.initialBlockSize(), max);
        }
        try {
            reservation = settings.registry().reserve(first, tier, request.path());
            return null;
        } catch (RuntimeException e) {
            return failures.reserveFailure(e, first, false);
        }
    }

    /** Appends the remaining bytes of b, growing the block when a body of unknown length needs it. */
    AssetLoadException append(ByteBuffer b) {
        int n = b.remaining();
        if (received + n > limit) {
            if (known < 0 && request.expectedSize() < 0 && !settings.hasMaxBodySize()) {
                return failures.error(AssetLoadException.Reason.NO_ROOM, "no room: the body runs past " + limit
                        + " bytes, all that tier " + tier + " holds");
            }
            return failures.error(AssetLoadException.Reason.TOO_LONG, "the body runs past " + limit + " bytes ("
                    + (known >= 0 ? "its Content-Length" : request.expectedSize() >= 0 ? "the expected size"
                            : "the size limit") + ")");
        }
        try {
            if (received + n > reservation.capacity()) {
                reservation.resize(Math.min(limit, Math.max(reservation.capacity() * 2, received + n)), received);
            }
            reservation.write(received, b);
        } catch (WallocOutOfMemoryException e) {
            return failures.error(AssetLoadException.Reason.NO_ROOM, "no room in tier " + tier
                    + " to grow the block past " + received + " bytes: " + e.getMessage());
        } catch (RuntimeException e) {
            return failures.blockFailure(e, received, true);
        }
        received += n;
        return null;
    }

    /** Why the body, now ended, is not the length it declared or was expected to have; or null. */
    AssetLoadException incomplete() {
        long expected = request.expectedSize();
        if (known >= 0 && received != known) {
            return failures.error(AssetLoadException.Reason.TRUNCATED, "the body ended after " + received + " of its "
                    + known + " declared bytes");
        }
        if (expected >= 0 && received != expected) {
            return failures.error(AssetLoadException.Reason.TRUNCATED, "the body ended after " + received + " of the "
                    + expected + " expected bytes");
        }
        return null;
    }

    /** e, or TRUNCATED when the connection failed before the declared length arrived. */
    AssetLoadException failed(AssetLoadException e, Throwable cause) {
        if (e.reason() == AssetLoadException.Reason.IO && known >= 0 && received < known) {
            return failures.error(AssetLoadException.Reason.TRUNCATED, "the connection closed before the body was "
                    + "complete: " + received + " of its " + known + " declared bytes", cause);
        }
        return e;
    }

    /** Shrinks a grown block more than an eighth (and 4 KiB) too large, and registers the asset. */
    AssetLoadException commit(AssetInfo info, Duration took) {
        try {
            long cap = reservation.capacity();
            if (known < 0 && cap > received + Math.max(4096, received / 8)) {
                reservation.resize(received, received);
            }
            asset = reservation.commit(request.path(), info, received, took);
            reservation = null;
            return null;
        } catch (WallocOutOfMemoryException e) {
            return failures.error(AssetLoadException.Reason.NO_ROOM, "no room to shrink the block: " + e.getMessage());
        } catch (RuntimeException e) {
            return failures.blockFailure(e, received, true);
        }
    }

    /** The registered asset, once {@link #commit} succeeded. */
    Asset asset() {
        return asset;
    }

    long received() {
        return received;
    }

    /** Frees the block unless it was committed. Idempotent. */
    void free() {
        if (reservation != null) {
            reservation.close();
            reservation = null;
        }
    }
}
