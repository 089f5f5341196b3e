package io.walloc;

/**
 * The two hottest calls into the core, allocate and free, as {@link Walloc} makes them. On JDK 17
 * to 21 (this class, in the jar's base) they are the JNI calls of {@link WallocNative}; on JDK 22
 * and later the multi-release jar's {@code META-INF/versions/22} holds a version that makes them
 * as FFM critical downcalls where that is faster (bench/java/RESULTS.md), falling back to these.
 * Same contract as {@link WallocNative#alloc} and {@link WallocNative#free}.
 */
final class CoreCalls {
    private CoreCalls() {
    }

    static long alloc(long w, long size, int tier) {
        return WallocNative.alloc(w, size, tier);
    }

    static int free(long w, long handle, long size) {
        return WallocNative.free(w, handle, size);
    }

    /** Whether the calls are FFM downcalls (for tests and reports). */
    static boolean downcalls() {
        return false;
    }
}
