package io.walloc.assets;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The future of one caller's load. {@link #cancel} completes it with a
 * {@link CancellationException} naming the path, and tells the shared request (which stops when
 * no caller waits for it any more). Dependent stages are plain {@link CompletableFuture}s.
 */
final class LoadFuture extends CompletableFuture<Asset> {
    private final String path;
    private volatile Runnable onCancel;

    LoadFuture(String path) {
        this.path = path;
    }

    String path() {
        return path;
    }

    void onCancel(Runnable r) {
        onCancel = r;
        if (isCancelled()) {
            r.run();
        }
    }

    /** Cancels with a reason for the message; true when this call completed the future. */
    boolean cancel(String reason) {
        CancellationException c = new CancellationException("loading '" + path + "' was cancelled: " + reason);
        boolean changed = completeExceptionally(c);
        if (changed) {
            Runnable r = onCancel;
            if (r != null) {
                r.run();
            }
        }
        return changed;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return cancel("cancelled by the caller") || isCancelled();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
