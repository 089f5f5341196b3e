/*
 * jni_blocks.c - JNI glue: allocating and freeing blocks (one, a batch, a sample of a profile's
 * site, and the FFM entry points of the JDK 22+ face), resetting and compacting a tier, and a
 * block's tier and footprint. See walloc_jni.c for the glue's rules.
 */
#include "jni_glue.h"

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_alloc(JNIEnv *env, jclass cls, jlong w,
                                                          jlong size, jint tier)
{
    GATED(w, (jlong)WALLOC_NULL, (jlong)walloc_alloc(H(w)->core, (uint64_t)size, (walloc_tier)tier));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_free(JNIEnv *env, jclass cls, jlong w,
                                                        jlong handle, jlong size)
{
    GATED(w, HOST_CLOSED, (jint)walloc_free(H(w)->core, (walloc_handle)handle, (uint64_t)size));
}

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_allocSite(JNIEnv *env, jclass cls, jlong w,
                                                              jlong size, jint tier, jlong site)
{
    GATED(w, (jlong)WALLOC_NULL,
          (jlong)walloc_alloc_site(H(w)->core, (uint64_t)size, (walloc_tier)tier, (uint64_t)site));
}

/* The same two calls without the gate, for bench/java's GateCostBench only (what the gate costs,
 * in the same run): unsafe against a concurrent close or reset, never called by io.walloc. */
JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_allocNoGate(JNIEnv *env, jclass cls, jlong w,
                                                                jlong size, jint tier)
{
    return (jlong)walloc_alloc(H(w)->core, (uint64_t)size, (walloc_tier)tier);
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_freeNoGate(JNIEnv *env, jclass cls, jlong w,
                                                              jlong handle, jlong size)
{
    return (jint)walloc_free(H(w)->core, (walloc_handle)handle, (uint64_t)size);
}

/* FFM critical downcalls (JDK 22+: java22/io/walloc/CoreCalls.java) of alloc and free. Such a
 * call keeps its thread from reaching a safepoint, so it must never wait: when the gate is not
 * open (or the thread has no slot yet) it answers FFM_BUSY and Java makes the JNI call instead,
 * which may wait (in native state) and says what happened. */
#define FFM_BUSY (-2)

JNIEXPORT int64_t walloc_ffm_alloc(int64_t w, int64_t size, int32_t tier);
JNIEXPORT int32_t walloc_ffm_free(int64_t w, int64_t handle, int64_t size);

JNIEXPORT int64_t walloc_ffm_alloc(int64_t w, int64_t size, int32_t tier)
{
    TRIED(w, FFM_BUSY, (int64_t)walloc_alloc(H(w)->core, (uint64_t)size, (walloc_tier)tier));
}

JNIEXPORT int32_t walloc_ffm_free(int64_t w, int64_t handle, int64_t size)
{
    TRIED(w, FFM_BUSY, (int32_t)walloc_free(H(w)->core, (walloc_handle)handle, (uint64_t)size));
}

static jint alloc_batch_inside(JNIEnv *env, walloc *core, jlongArray sizes, jintArray tiers, jint count, jlongArray out)
{
    if (!sizes || !tiers || !out || count < 0)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if ((*env)->GetArrayLength(env, sizes) < count || (*env)->GetArrayLength(env, tiers) < count ||
        (*env)->GetArrayLength(env, out) < count)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if (count == 0)
        return WALLOC_OK;
    /* Copies, not pins: the batch is not a hot path, and the core must not run inside a
     * critical region for long. */
    size_t n = (size_t)count;
    uint64_t *s = malloc(n * sizeof *s);
    int32_t *t = malloc(n * sizeof *t);
    walloc_handle *o = malloc(n * sizeof *o);
    walloc_status st = WALLOC_ERR_OUT_OF_MEMORY;
    if (s && t && o) {
        (*env)->GetLongArrayRegion(env, sizes, 0, count, (jlong *)s);
        (*env)->GetIntArrayRegion(env, tiers, 0, count, (jint *)t);
        st = walloc_alloc_batch(core, s, t, n, o);
        (*env)->SetLongArrayRegion(env, out, 0, count, (const jlong *)o);
    }
    free(s);
    free(t);
    free(o);
    return (jint)st;
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_allocBatch(JNIEnv *env, jclass cls, jlong w,
        jlongArray sizes, jintArray tiers, jint count, jlongArray out)
{
    GATED(w, HOST_CLOSED, alloc_batch_inside(env, H(w)->core, sizes, tiers, count, out));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_resetTier(JNIEnv *env, jclass cls, jlong w,
                                                             jint tier)
{
    /* Called while the caller holds the gate shut (exclusive): no call can race it. */
    return (jint)walloc_reset_tier(W(w), (walloc_tier)tier);
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_compactTier(JNIEnv *env, jclass cls, jlong w,
                                                               jint tier, jlong keep)
{
    /* Called while the caller holds the gate shut (exclusive): no call can race it. */
    return (jint)walloc_compact_tier(W(w), (walloc_tier)tier, (uint64_t)keep);
}

static jint tier_of_inside(walloc *core, jlong handle)
{
    walloc_tier t;
    walloc_status st = walloc_tier_of(core, (walloc_handle)handle, &t);
    return st == WALLOC_OK ? (jint)t : -(jint)st;
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_tierOf(JNIEnv *env, jclass cls, jlong w,
                                                          jlong handle)
{
    GATED(w, -HOST_CLOSED, tier_of_inside(H(w)->core, handle));
}

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_blockSize(JNIEnv *env, jclass cls, jlong w,
                                                              jint tier, jlong size)
{
    if (size < 0)
        return 0;
    GATED(w, (jlong)-1, (jlong)walloc_block_size(H(w)->core, (walloc_tier)tier, (uint64_t)size));
}
