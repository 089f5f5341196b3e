package io.walloc.assets;

/**
 * Receives a batch's progress. Called one call at a time per batch, in order (a
 * {@link BatchProgress} never goes backwards), on a delivery thread with no lock of the loader
 * held, so it may call back into the batch (for example {@link BatchLoad#cancel()}). Every change
 * in the number of settled assets is delivered; reports of bytes alone that pile up behind a slow
 * listener collapse into the latest. The batch's {@link BatchLoad#done()} completes after the
 * listener has returned from the final report.
 *
 * <p>What it throws does not stop the batch: any throwable (a {@link RuntimeException}, an
 * {@link Error}, or a checked exception thrown without being declared, as Kotlin, Scala or Lombok
 * code may) is reported to the {@link System.Logger} named {@code io.walloc.assets} at level
 * {@code WARNING} and otherwise ignored; later reports are still delivered, the loads go on, and
 * {@link BatchLoad#done()} still completes.
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
