package io.walloc;

import java.nio.ByteBuffer;

/**
 * The JNI entry points, one per C function of {@code walloc.h} (plus a few helpers). Static
 * methods with primitive arguments only, so a call allocates nothing. Every method returns the
 * core's status number (or the value the C function returns); mapping to exceptions happens in
 * Java ({@link Status}). The glue in {@code native/jni/walloc_jni.c} includes the header javac
 * writes for this class, so a signature mismatch fails the native build.
 *
 * <p>Two kinds of entry points. The plain ones take the instance pointer and must only be called
 * with a live instance that no reset or compaction runs on: {@link Walloc} calls them inside its
 * Java gate ({@link Gate#enter}). The {@code gated...} ones take the instance's native gate and its
 * generation and do that exclusion in C ({@code native/jni/call_gate.h}), for the hot calls; they
 * must not be called inside the Java gate (a reset holding both gates would wait for the caller,
 * which would wait for the reset).
 */
final class WallocNative {
    private WallocNative() {}

    static {
        NativeLoader.load();
    }

    /** Makes sure the library is loaded (the static initializer does the work). */
    static void ensureLoaded() {}

    /** ABI version of the glue; NativeLoader compares it with {@link #ABI_VERSION}. */
    static final int ABI_VERSION = 2;

    static native int abiVersion();

    static native int configValidate(long capacity, double top, double middle, double bottom, boolean checked);

    /** The instance pointer, or 0 when the configuration is invalid or memory cannot be reserved. */
    static native long create(long capacity, double top, double middle, double bottom, boolean checked);

    static native void destroy(long w);

    /** A handle, or -1 (WALLOC_NULL). */
    static native long alloc(long w, long size, int tier);

    static native int free(long w, long handle, long size);

    // ---- the native gate (call_gate.h): close/reset exclusion for the hot calls, in C

    /** Status from a gated call refused because the instance is closed. */
    static final int GATE_CLOSED_STATUS = 64;
    /** Handle from {@link #gatedAlloc} refused because the instance is closed. */
    static final long GATE_CLOSED_HANDLE = -2L;

    /** 1 when gated calls rely on the closer's membarrier(2), 0 when each call fences instead. */
    static native int gateMembarrier();

    /** A new gate (open) for instance w, or 0 when out of memory. */
    static native long gateOpen(long w);

    /** The gate's current generation: passed with the gate to every gated call. */
    static native long gateGeneration(long gate);

    /** 0 open, 1 exclusive, 2 closed; 1 and 2 return once no gated call is inside. */
    static native void gateSet(long gate, long generation, int state);

    /** Returns a closed gate for reuse under the next generation. */
    static native void gateRecycle(long gate);

    /** walloc_alloc inside the gate: a handle, -1 (WALLOC_NULL) or {@link #GATE_CLOSED_HANDLE}. */
    static native long gatedAlloc(long gate, long generation, long size, int tier);

    /** walloc_free inside the gate: a status or {@link #GATE_CLOSED_STATUS}. */
    static native int gatedFree(long gate, long generation, long handle, long size);

    /** walloc_write inside the gate: a status or {@link #GATE_CLOSED_STATUS}. */
    static native int gatedWrite(long gate, long generation, long dst, byte[] src, int offset, int length);

    /** walloc_read inside the gate: a status or {@link #GATE_CLOSED_STATUS}. */
    static native int gatedRead(long gate, long generation, long src, byte[] dst, int offset, int length);

    /** walloc_copy inside the gate: a status or {@link #GATE_CLOSED_STATUS}. */
    static native int gatedCopy(long gate, long generation, long dst, long src, long length);

    static native int allocBatch(long w, long[] sizes, int[] tiers, int count, long[] out);

    static native int resetTier(long w, int tier);

    static native int compactTier(long w, int tier, long keepBytes);

    /** Fills out[0..13] in the order of {@link TierStats}'s components. */
    static native int tierStats(long w, int tier, long[] out);

    /** The tier (0..2) the handle lies in, or -status. */
    static native int tierOf(long w, long handle);

    /** walloc_ptr as an address, 0 for NULL. */
    static native long ptr(long w, long handle);

    static native int write(long w, long dst, byte[] src, int offset, int length);

    static native int read(long w, long src, byte[] dst, int offset, int length);

    static native int copy(long w, long dst, long src, long length);

    /** ops holds count (dst, src, len) triples. Returns 0, or status | (failedIndex << 8). */
    static native long bulkCopy(long w, long[] ops, int count);

    /** A direct buffer over [handle, handle + length) after the core checked the range, else null. */
    static native ByteBuffer view(long w, long handle, int length);

    static native String statusString(int status);

    static native int tierAlignment(int tier);
}
