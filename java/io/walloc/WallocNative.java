package io.walloc;

import java.nio.ByteBuffer;

/**
 * The JNI entry points, one per C function of {@code walloc.h} (plus a few helpers). Static
 * methods with primitive arguments only, so a call allocates nothing. Every method returns the
 * core's status number (or the value the C function returns); mapping to exceptions happens in
 * Java ({@link Status}). The glue in {@code native/jni/walloc_jni.c} includes the header javac
 * writes for this class, so a signature mismatch fails the native build.
 *
 * <p>{@code w} names the native side of one {@link Walloc}: the core instance and its call gate
 * ({@code walloc_gate.h}). Calls that touch the core enter the gate themselves and answer
 * {@link #CLOSED} (or their "nothing" value: {@link Walloc#NULL}, false, -1) once the instance is
 * closed; {@link #resetTier}, {@link #compactTier} and {@link #destroyKeepRegion} do not, and run
 * only while their caller holds the gate shut. {@code w} stays valid until {@link #release}, which
 * {@link Walloc} calls once it is unreachable (so a caller keeps its Walloc reachable during a call).
 */
final class WallocNative {
    private WallocNative() {}

    static {
        NativeLoader.load();
    }

    /** ABI version of the glue; NativeLoader compares it with {@link #ABI_VERSION}. */
    static final int ABI_VERSION = 6;

    /** Status of a call refused because the instance is closed (not a core status). */
    static final int CLOSED = 255;

    /** {@link #gateShut} states ({@code walloc_gate_state}). */
    static final int GATE_EXCLUSIVE = 1;
    static final int GATE_CLOSED = 2;

    /** Sets the gate to {@link #GATE_EXCLUSIVE} or {@link #GATE_CLOSED}; returns once no call is inside. */
    static native void gateShut(long w, int state);

    /** Opens the gate again after {@code gateShut(w, GATE_EXCLUSIVE)}. */
    static native void gateOpen(long w);

    /** Frees w itself (gate and all); the core must be destroyed already. */
    static native void release(long w);

    static native int abiVersion();

    /** profileSites 0: no profile; otherwise a profile of that many sites whose samples Java takes ({@link #allocSite}). */
    static native int configValidate(long capacity, double top, double middle, double bottom, boolean checked,
            int profileSites);

    /** The instance pointer, or 0 when the configuration is invalid or memory cannot be reserved. */
    static native long create(long capacity, double top, double middle, double bottom, boolean checked,
            int profileSites);

    /** walloc_destroy_keep_region: the instance is gone, its region stays mapped (see {@link Region}). */
    static native void destroyKeepRegion(long w);

    /** The address handle 0 names (walloc_region_of). */
    static native long regionBase(long w);

    /** The length of the region in bytes. */
    static native long regionSize(long w);

    /** Unmaps a region left by {@link #destroyKeepRegion} (walloc_region_release). */
    static native void regionRelease(long base, long size);

    /** A handle, or -1 (WALLOC_NULL). */
    static native long alloc(long w, long size, int tier);

    static native int free(long w, long handle, long size);

    /** walloc_alloc_site: a handle or -1, recorded as a sample of site when the instance keeps a profile. */
    static native long allocSite(long w, long size, int tier, long site);

    /** Values per site in {@link #profileSnapshot}'s out: site, allocs[3], live_blocks[3], live_bytes[3]. */
    static final int PROFILE_SITE_LONGS = 10;

    /**
     * walloc_profile_snapshot: up to capacity sites into out ({@link #PROFILE_SITE_LONGS} each),
     * walloc_profile_info into info[0..4] (rate, max_sites, sites, overflow_samples, lost_samples).
     * Returns the number of sites the profile holds (more than capacity: call again with more
     * room), or -status (-INVALID_CONFIG: no profile). Not gated natively: call it inside the Java
     * gate ({@link Gate#enter}), or while closing with the gate shut.
     */
    static native int profileSnapshot(long w, long[] out, int capacity, long[] info);

    /** {@link #alloc} without the gate: for bench/java's GateCostBench only (unsafe against close). */
    static native long allocNoGate(long w, long size, int tier);

    /** {@link #free} without the gate: for bench/java's GateCostBench only (unsafe against close). */
    static native int freeNoGate(long w, long handle, long size);

    static native int allocBatch(long w, long[] sizes, int[] tiers, int count, long[] out);

    static native int resetTier(long w, int tier);

    static native int compactTier(long w, int tier, long keepBytes);

    /** walloc_stats's field names in the order {@link #tierStats} fills them (WALLOC_STATS_FIELDS). */
    static native String[] statsFields();

    /** Fills out[0, statsFields().length) with walloc_tier_stats, in {@link #statsFields}'s order. */
    static native int tierStats(long w, int tier, long[] out);

    /** walloc_tier_range: out[0] the tier's first handle, out[1] the end of its handles. Not gated:
     *  call it before the instance is shared. */
    static native int tierRange(long w, int tier, long[] out);

    /** The tier (0..2) the handle lies in, or -status. */
    static native int tierOf(long w, long handle);

    static native int write(long w, long dst, byte[] src, int offset, int length);

    static native int read(long w, long src, byte[] dst, int offset, int length);

    static native int copy(long w, long dst, long src, long length);

    /* walloc_fill: the low 8 bits of value. */
    static native int fill(long w, long dst, int value, long length);

    /** ops holds count (dst, src, len) triples. Returns 0, or status | (failedIndex << 8). */
    static native long bulkCopy(long w, long[] ops, int count);

    /** walloc_check_range: 0 when [handle, handle + length) lies inside what one tier has handed
     *  out, else its status (OUT_OF_BOUNDS for a negative length). */
    static native int checkRange(long w, long handle, long length);

    /** The address of a direct buffer's first byte (GetDirectBufferAddress); 0 for another buffer. */
    static native long address(ByteBuffer buffer);

    /** A direct buffer over [address, address + length) (NewDirectByteBuffer); null for a bad argument. */
    static native ByteBuffer buffer(long address, int length);

    static native String statusString(int status);

    static native int tierAlignment(int tier);

    /** walloc_block_size: the bytes a block for a request of size spans; 0 for bad arguments. */
    static native long blockSize(long w, int tier, long size);
}
