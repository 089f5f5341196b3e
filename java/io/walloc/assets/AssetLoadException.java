package io.walloc.assets;

/**
 * A load failed. The message names the path and the cause; {@link #reason()} classifies it.
 * Nothing was registered and every block taken for the load was freed (or, for
 * {@link Reason#RELEASED}, had been released by the reset, compaction or close that failed it).
 *
 * <p>Thread safety: immutable after construction.
 */
public class AssetLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a load failed. */
    public enum Reason {
        /** The path is malformed or would leave the base URL. */
        BAD_PATH,
        /** The server could not be reached (refused, reset, unknown host). */
        CONNECTION,
        /** The server answered with a status other than 2xx. */
        HTTP_STATUS,
        /** No answer, or no body bytes, within the configured time. */
        TIMEOUT,
        /** The body ended before its declared length, or had another length than the expected size. */
        TRUNCATED,
        /**
         * The body is longer than the request's expected size or the loader's size limit (a
         * {@code Content-Length} above either, or a body without one that runs past). A body
         * longer than its own {@code Content-Length} cannot be seen (see {@link AssetLoader}).
         */
        TOO_LONG,
        /** The tier had no room, or the registry's budget for it could not be met. */
        NO_ROOM,
        /** The load or its batch was cancelled, or the loader, registry or instance was closed. */
        CANCELLED,
        /**
         * The block the body was arriving in was released under the load: a reset or compaction
         * of its tier ({@link io.walloc.Walloc#resetTier}, {@link io.walloc.Walloc#fastCompactTier})
         * or the instance closing. Nothing was written into that memory after it was released.
         */
        RELEASED,
        /** Any other I/O failure. */
        IO
    }

    /** The asset path that failed. */
    private final String path;
    /** The class of failure. */
    private final Reason reason;
    /** The HTTP status, or 0. */
    private final int status;

    /**
     * Creates the exception.
     *
     * @param path the asset's path
     * @param reason the class of failure
     * @param status the HTTP status for {@link Reason#HTTP_STATUS}, else 0
     * @param detail what happened, in words
     * @param cause the underlying exception, or null
     */
    public AssetLoadException(String path, Reason reason, int status, String detail, Throwable cause) {
        super("loading '" + path + "' failed: " + detail, cause);
        this.path = path;
        this.reason = reason;
        this.status = status;
    }

    /**
     * The asset path that failed.
     *
     * @return the path as the caller gave it
     */
    public String path() {
        return path;
    }

    /**
     * The class of failure.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }

    /**
     * The HTTP status for {@link Reason#HTTP_STATUS}.
     *
     * @return the status, or 0
     */
    public int status() {
        return status;
    }
}
