package io.walloc.assets;

/**
 * Where a batch stands. Within one batch, successive events never decrease any field.
 * {@code bytesExpected} grows as lengths become known (from requests' expected sizes up front,
 * then from each response's {@code Content-Length} or final size); when every asset is done and
 * all succeeded, {@code bytesReceived == bytesExpected}.
 *
 * <p>Thread safety: an immutable record.
 *
 * @param assetsDone assets settled (succeeded, failed or cancelled)
 * @param assetsFailed of those, failed or cancelled
 * @param assetsTotal assets in the batch
 * @param bytesReceived body bytes received so far
 * @param bytesExpected body bytes known to be coming (0 while no length is known)
 */
public record BatchProgress(int assetsDone, int assetsFailed, int assetsTotal, long bytesReceived, long bytesExpected) {
    /** @return true when every asset has settled */
    public boolean finished() {
        return assetsDone == assetsTotal;
    }

    /** @return {@code assetsDone - assetsFailed} */
    public int assetsSucceeded() {
        return assetsDone - assetsFailed;
    }
}
