package io.walloc.assets;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The future of one caller's load. {@link #cancel} completes it with a
 * {@link CancellationException} naming the path, and tells the shared request (which stops when
 * no caller waits for it any more). Dependent stages are plain {@link CompletableFuture}s.
 *
 * <p>Who completes it is decided once, by a claim: the load claims the future when it decides the
 * outcome (under the task's monitor, before it registers the asset), a caller claims it by
 * cancelling or completing it. Whoever loses does nothing: a cancel that comes after the load
 * claimed the future returns false and the future then completes with the registered asset; a
 * load that finds every caller's future claimed registers nothing. So "cancelled" and "registered"
 * never hold together for a future that alone waits for its request.
 */
final class LoadFuture extends CompletableFuture<Asset> {
    private static final int OPEN = 0;
    private static final int LOAD = 1;
    private static final int CALLER = 2;

    private final String path;
    private final AtomicInteger owner = new AtomicInteger(OPEN);
    private volatile Runnable onCancel;

    LoadFuture(String path) {
        this.path = path;
    }

    String path() {
        return path;
    }

    /** Runs r when (or if already) a caller completed this future itself: it no longer waits. */
    void onCancel(Runnable r) {
        onCancel = r;
        if (owner.get() == CALLER) {
            r.run();
        }
    }

    /** The load's claim: true when no one else completed or claimed the future. Then only
     * {@link #finish} or {@link #finishExceptionally} complete it. */
    boolean claim() {
        return owner.compareAndSet(OPEN, LOAD);
    }

    /** Completes a future the load claimed. */
    void finish(Asset a) {
        super.complete(a);
    }

    /** Fails a future the load claimed. */
    void finishExceptionally(Throwable e) {
        super.completeExceptionally(e);
    }

    private void left() {
        Runnable r = onCancel;
        if (r != null) {
            r.run();
        }
    }

    /** Cancels with a reason for the message; true when this call completed the future. */
    boolean cancel(String reason) {
        return completeExceptionally(new CancellationException("loading '" + path + "' was cancelled: " + reason));
    }

    /**
     * Cancels the load for this caller, unless the load has already decided the outcome (then the
     * future completes with the registered asset, or fails, shortly if not yet).
     *
     * @return true when the future is cancelled
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return cancel("cancelled by the caller") || isCancelled();
    }

    /** A caller completing the future itself leaves the load, like a cancel. */
    @Override
    public boolean complete(Asset value) {
        if (!owner.compareAndSet(OPEN, CALLER)) {
            return false;
        }
        super.complete(value);
        left();
        return true;
    }

    /** A caller failing the future itself leaves the load, like a cancel. */
    @Override
    public boolean completeExceptionally(Throwable ex) {
        if (ex == null) {
            throw new NullPointerException();
        }
        if (!owner.compareAndSet(OPEN, CALLER)) {
            return false;
        }
        super.completeExceptionally(ex);
        left();
        return true;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
