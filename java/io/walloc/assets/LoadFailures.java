package io.walloc.assets;

import io.walloc.InvalidHandleException;
import io.walloc.Status;
import io.walloc.Tier;
import io.walloc.WallocOutOfMemoryException;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What went wrong with one load, as an {@link AssetLoadException} naming its path and URL: the
 * mapping of the client's, the allocator's and the registry's failures to reasons.
 */
final class LoadFailures {
    private final String path;
    private final URI uri;
    private final Tier tier;
    private final AssetRegistry registry;

    LoadFailures(String path, URI uri, Tier tier, AssetRegistry registry) {
        this.path = path;
        this.uri = uri;
        this.tier = tier;
        this.registry = registry;
    }

    AssetLoadException error(AssetLoadException.Reason r, String what) {
        return error(r, what, null);
    }

    AssetLoadException error(AssetLoadException.Reason r, String what, Throwable cause) {
        return new AssetLoadException(path, r, 0, what + " [" + uri + "]", cause);
    }

    /** Maps any failure of the request to an AssetLoadException. */
    AssetLoadException classify(Throwable e) {
        return classify(path, uri, e);
    }

    /**
     * Why the response cannot be taken, judged by its headers (null when it can): a status other
     * than 2xx, a Content-Length other than the expected size or above the limit.
     */
    AssetLoadException refuseHeaders(int status, OptionalLong length, long expected, long max, boolean hasMax) {
        if (status < 200 || status > 299) {
            return new AssetLoadException(path, AssetLoadException.Reason.HTTP_STATUS, status, "HTTP status " + status
                    + " [" + uri + "]", null);
        }
        if (length.isPresent() && expected >= 0 && length.getAsLong() != expected) {
            return error(length.getAsLong() > expected ? AssetLoadException.Reason.TOO_LONG
                    : AssetLoadException.Reason.TRUNCATED, "the server declares " + length.getAsLong()
                    + " bytes (Content-Length) but " + expected + " were expected");
        }
        if (length.isPresent() && length.getAsLong() > max) {
            return hasMax
                    ? error(AssetLoadException.Reason.TOO_LONG, "the server declares " + length.getAsLong()
                            + " bytes, more than the limit of " + max)
                    : error(AssetLoadException.Reason.NO_ROOM, "no room: the server declares " + length.getAsLong()
                            + " bytes, more than tier " + tier + " holds (" + max + " bytes)");
        }
        return null;
    }

    /** Why taking the first block of {@code size} bytes failed. */
    AssetLoadException reserveFailure(RuntimeException e, long size, boolean holdsBlock) {
        if (e instanceof WallocOutOfMemoryException) {
            return error(AssetLoadException.Reason.NO_ROOM, "no room: " + e.getMessage());
        }
        AssetLoadException f = closedUnder(e, holdsBlock);
        return f != null ? f : error(AssetLoadException.Reason.NO_ROOM, "cannot take a block of " + size
                + " bytes in tier " + tier + ": " + e.getMessage());
    }

    /*
     * What a failure of an operation on the load's block means. The block's own checks (Block
     * copyFrom, Reservation.commit) refuse a block that a reset, compaction or close released, in
     * the same step as the copy, so nothing reached its old memory; say so, rather than pass the
     * refusal on as an I/O error.
     */
    AssetLoadException blockFailure(RuntimeException e, long received, boolean holdsBlock) {
        AssetLoadException closed = closedUnder(e, holdsBlock);
        if (closed != null) {
            return closed;
        }
        if (e instanceof InvalidHandleException && ((InvalidHandleException) e).status() == Status.NOT_A_BLOCK) {
            return new AssetLoadException(path, AssetLoadException.Reason.RELEASED, 0, "a reset or compaction of tier "
                    + tier + " released its block while the body was arriving (" + received + " bytes in) [" + uri + "]", e);
        }
        return classify(e);
    }

    /* The instance or the registry closed under the load (cause may be null), or null. */
    AssetLoadException closedUnder(RuntimeException cause, boolean holdsBlock) {
        if (registry.walloc().isClosed()) {
            return new AssetLoadException(path, holdsBlock ? AssetLoadException.Reason.RELEASED
                    : AssetLoadException.Reason.CANCELLED, 0, "the Walloc instance was closed [" + uri + "]", cause);
        }
        if (registry.isClosed()) {
            return new AssetLoadException(path, AssetLoadException.Reason.CANCELLED, 0, "the asset registry was closed ["
                    + uri + "]", cause);
        }
        return null;
    }

    /** Maps any failure of a request to an AssetLoadException naming the path. */
    static AssetLoadException classify(String path, URI uri, Throwable e) {
        Throwable c = e;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof AssetLoadException) {
            return (AssetLoadException) c;
        }
        AssetLoadException.Reason r;
        String what;
        if (c instanceof HttpTimeoutException) {
            r = AssetLoadException.Reason.TIMEOUT;
            what = "time-out (" + c.getMessage() + ")";
        } else if (c instanceof ConnectException || (c instanceof IOException && c.getCause() instanceof ConnectException)) {
            r = AssetLoadException.Reason.CONNECTION;
            String m = c.getMessage();
            what = "cannot connect to " + uri.getHost() + ":" + uri.getPort() + " ("
                    + (m == null || m.isEmpty() ? "connection refused" : m) + ")";
        } else if (c instanceof EOFException || c instanceof IOException && String.valueOf(c.getMessage()).contains("EOF")) {
            r = AssetLoadException.Reason.TRUNCATED;
            what = "the connection closed before the body was complete (" + describe(c) + ")";
        } else if (c instanceof WallocOutOfMemoryException) {
            r = AssetLoadException.Reason.NO_ROOM;
            what = "no room: " + c.getMessage();
        } else if (c instanceof CancellationException) {
            r = AssetLoadException.Reason.CANCELLED;
            what = "cancelled";
        } else if (c instanceof ProtocolException && String.valueOf(c.getMessage()).startsWith("Invalid status line")) {
            r = AssetLoadException.Reason.IO;
            what = "the answer did not start with an HTTP status line (" + describe(c) + "); on a reused connection "
                    + "these are typically the surplus bytes of an earlier response that was longer than its Content-Length";
        } else if (c instanceof IOException) {
            r = AssetLoadException.Reason.IO;
            what = "I/O error: " + describe(c);
        } else {
            r = AssetLoadException.Reason.IO;
            what = "unexpected error: " + describe(c);
        }
        return new AssetLoadException(path, r, 0, what + " [" + uri + "]", c);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isEmpty() ? "" : ": " + m);
    }
}
