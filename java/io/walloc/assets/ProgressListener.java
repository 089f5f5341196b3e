package io.walloc.assets;

/**
 * Receives a batch's progress. Called one call at a time per batch, in order (a
 * {@link BatchProgress} never goes backwards), on a delivery thread with no lock of the loader
 * held, so it may call back into the batch (for example {@link BatchLoad#cancel()}). Every change
 * in the number of settled assets is delivered; reports of bytes alone that pile up behind a slow
 * listener collapse into the latest. The batch's {@link BatchLoad#done()} completes after the
 * listener has returned from the final report. Exceptions it throws are ignored.
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
