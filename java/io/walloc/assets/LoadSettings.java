package io.walloc.assets;

import io.walloc.Tier;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every {@link LoadTask} of one {@link AssetLoader} works with, fixed when the loader is
 * built. The client sits in a holder the loader empties at close: a task that has not sent its
 * request yet then sends none, and nothing a task keeps (its body subscriber may stay referenced
 * by a pooled connection) holds the client reachable for the loader's user (see
 * {@link AssetLoader#close()}).
 *
 * @param client the HTTP client; empty once the loader is closed
 * @param registry where bodies are reserved and assets registered
 * @param timeout the wait for the headers, then for each next piece of the body
 * @param initialBlockSize the first block for a body of unknown length
 * @param maxBodySize the largest body accepted, 0 for the tier's capacity
 * @param watchdog runs the idle time-out checks
 */
record LoadSettings(AtomicReference<HttpClient> client, AssetRegistry registry, Duration timeout, long initialBlockSize,
        long maxBodySize, ScheduledExecutorService watchdog) {

    /** The largest body accepted in tier. */
    long maxBodySize(Tier tier) {
        return maxBodySize > 0 ? maxBodySize : registry.walloc().capacity(tier);
    }

    /** Whether a size limit was set (else the tier's capacity is the limit: NO_ROOM, not TOO_LONG). */
    boolean hasMaxBodySize() {
        return maxBodySize > 0;
    }
}
