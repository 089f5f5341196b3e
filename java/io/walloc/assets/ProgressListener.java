package io.walloc.assets;

/**
 * Receives a batch's progress. Called on the HTTP client's threads, one call at a time per batch
 * (calls are serialized and their {@link BatchProgress} never goes backwards); keep it quick, as
 * the batch's bookkeeping waits for it. Exceptions it throws are ignored.
 */
@FunctionalInterface
public interface ProgressListener {
    /**
     * Progress changed: bytes arrived, a length became known, or an asset settled.
     *
     * @param progress the new state
     */
    void onProgress(BatchProgress progress);
}
