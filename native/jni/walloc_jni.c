/*
 * walloc_jni.c - the JNI glue between io.walloc.WallocNative and the C core.
 *
 * Thin on purpose: argument checks that only C can do (array lengths against counts), calls
 * into walloc.h, and status numbers back to Java, which maps them to exceptions (io.walloc.Status).
 * No policy lives here. The instance arrives as a jlong naming a struct host: the core instance
 * and its call gate (walloc_gate.h). Every call that touches the core enters the gate and
 * returns HOST_CLOSED (or its function's "nothing" value) once the instance is closed; close,
 * reset and compaction shut the gate first (gateShut), so they never race a call. The profile's
 * snapshot is read without the gate too: close reads it after shutting the gate, and everyone
 * else inside io.walloc.Gate's Java section, which close drains first. The struct
 * outlives the core: io.walloc.Walloc frees it (release) only once the Walloc is unreachable.
 *
 * The generated header is included so that a mismatch between the Java declarations and these
 * definitions is a compile error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jni.h>

#include "io_walloc_WallocNative.h"
#include "gate_fast.h" /* walloc_gate.h, its enter and exit inline */
#include "walloc.h"

#define ABI_VERSION 6
/* Status of a call refused because the instance is closed (io.walloc.WallocNative.CLOSED): not a
 * core status, and below 256 so that bulkCopy's packed result holds it. */
#define HOST_CLOSED 255
/* Copies up to this size go through a stack buffer (GetByteArrayRegion), larger ones pin the
 * array (GetPrimitiveArrayCritical) and let the core copy straight from it. */
#define SMALL_COPY 512

struct host {
    walloc_gate *gate;
    walloc *core; /* NULL once destroyed */
};

static inline struct host *H(jlong w)
{
    return (struct host *)(uintptr_t)w;
}

/* The core of w, for calls made while the gate is shut by their caller (reset, compact, destroy)
 * or before anyone else can call (the region's range, read at creation). */
static inline walloc *W(jlong w)
{
    return H(w)->core;
}

/* Returns expr, computed inside w's gate entered with enter (gate_enter or gate_try_enter), or
 * refused when enter refuses: the instance is closed, or (gate_try_enter) the gate is not open now. */
#define INSIDE(enter, w, refused, expr)                                                            \
    do {                                                                                           \
        struct host *h_ = H(w);                                                                    \
        if (!enter(h_->gate))                                                                      \
            return (refused);                                                                      \
        __typeof__(expr) r_ = (expr);                                                              \
        gate_exit(h_->gate);                                                                       \
        return r_;                                                                                 \
    } while (0)

/* expr inside w's gate, waiting while it is exclusive; closed once the instance is closed. */
#define GATED(w, closed, expr) INSIDE(gate_enter, w, closed, expr)

/* expr inside w's gate for callers that must never wait: busy when the gate is not open now. */
#define TRIED(w, busy, expr) INSIDE(gate_try_enter, w, busy, expr)

/* profile_sites 0: no profile. Otherwise a profile of that many sites that samples nothing itself
 * (profile_rate 0): Java samples, and names each sample's site (allocSite). */
static walloc_config make_config(jlong capacity, jdouble top, jdouble middle, jdouble bottom,
                                 jboolean checked, jint profile_sites)
{
    walloc_config c = walloc_config_default();
    c.capacity = (uint64_t)capacity;
    c.tier_ratio[WALLOC_TIER_TOP] = top;
    c.tier_ratio[WALLOC_TIER_MIDDLE] = middle;
    c.tier_ratio[WALLOC_TIER_BOTTOM] = bottom;
    c.checked = checked ? 1 : 0;
    c.profile = profile_sites > 0;
    c.profile_rate = 0;
    c.profile_sites = profile_sites > 0 ? (uint32_t)profile_sites : 0;
    return c;
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_abiVersion(JNIEnv *env, jclass cls)
{
    return ABI_VERSION;
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_configValidate(JNIEnv *env, jclass cls,
                                                                  jlong capacity, jdouble top,
                                                                  jdouble middle, jdouble bottom,
                                                                  jboolean checked, jint profileSites)
{
    if (capacity < 0 || profileSites < 0)
        return WALLOC_ERR_INVALID_CONFIG;
    walloc_config c = make_config(capacity, top, middle, bottom, checked, profileSites);
    return (jint)walloc_config_validate(&c);
}

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_create(JNIEnv *env, jclass cls, jlong capacity,
                                                           jdouble top, jdouble middle,
                                                           jdouble bottom, jboolean checked,
                                                           jint profileSites)
{
    if (capacity < 0 || profileSites < 0)
        return 0;
    walloc_config c = make_config(capacity, top, middle, bottom, checked, profileSites);
    struct host *h = malloc(sizeof *h);
    if (!h)
        return 0;
    h->gate = walloc_gate_new();
    h->core = h->gate ? walloc_create(&c) : NULL;
    if (!h->core) {
        walloc_gate_delete(h->gate);
        free(h);
        return 0;
    }
    return (jlong)(uintptr_t)h;
}

JNIEXPORT void JNICALL Java_io_walloc_WallocNative_gateShut(JNIEnv *env, jclass cls, jlong w,
                                                            jint state)
{
    walloc_gate_shut(H(w)->gate, (walloc_gate_state)state);
}

JNIEXPORT void JNICALL Java_io_walloc_WallocNative_gateOpen(JNIEnv *env, jclass cls, jlong w)
{
    walloc_gate_open(H(w)->gate);
}

JNIEXPORT jboolean JNICALL Java_io_walloc_WallocNative_gateAsymmetric(JNIEnv *env, jclass cls)
{
    return walloc_gate_asymmetric() ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT void JNICALL Java_io_walloc_WallocNative_release(JNIEnv *env, jclass cls, jlong w)
{
    walloc_gate_delete(H(w)->gate);
    free(H(w));
}

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

#define STATS_FIELD_COUNT_ONE(f) +1
enum { STATS_FIELDS = 0 WALLOC_STATS_FIELDS(STATS_FIELD_COUNT_ONE) };

/* walloc_stats into out in WALLOC_STATS_FIELDS's order, which statsFields names to Java. */
static jint tier_stats_inside(JNIEnv *env, walloc *core, jint tier, jlongArray out)
{
    if (!out || (*env)->GetArrayLength(env, out) < STATS_FIELDS)
        return WALLOC_ERR_INVALID_ARGUMENT;
    walloc_stats s;
    walloc_status st = walloc_tier_stats(core, (walloc_tier)tier, &s);
    if (st != WALLOC_OK)
        return (jint)st;
#define STATS_FIELD_VALUE(f) (jlong)s.f,
    jlong v[STATS_FIELDS] = {WALLOC_STATS_FIELDS(STATS_FIELD_VALUE)};
    (*env)->SetLongArrayRegion(env, out, 0, STATS_FIELDS, v);
    return WALLOC_OK;
}

JNIEXPORT jobjectArray JNICALL Java_io_walloc_WallocNative_statsFields(JNIEnv *env, jclass cls)
{
#define STATS_FIELD_NAME(f) #f,
    static const char *const names[STATS_FIELDS] = {WALLOC_STATS_FIELDS(STATS_FIELD_NAME)};
    jclass string = (*env)->FindClass(env, "java/lang/String");
    jobjectArray a = string ? (*env)->NewObjectArray(env, STATS_FIELDS, string, NULL) : NULL;
    for (int i = 0; a && i < STATS_FIELDS; i++) {
        jstring n = (*env)->NewStringUTF(env, names[i]);
        if (!n)
            return NULL; /* OutOfMemoryError pending */
        (*env)->SetObjectArrayElement(env, a, i, n);
        (*env)->DeleteLocalRef(env, n);
    }
    return a;
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_tierStats(JNIEnv *env, jclass cls, jlong w,
        jint tier, jlongArray out)
{
    GATED(w, HOST_CLOSED, tier_stats_inside(env, H(w)->core, tier, out));
}

/* walloc_profile_snapshot into Java arrays: out gets 10 longs per site (site, allocs[3],
 * live_blocks[3], live_bytes[3]) for up to capacity sites, info the 5 fields of
 * walloc_profile_info. Returns the number of sites the profile holds (more than capacity: call
 * again with more room), or -status. */
static jint profile_snapshot(JNIEnv *env, walloc *core, jlongArray out, jint capacity, jlongArray info)
{
    enum { PER_SITE = 1 + 3 * WALLOC_TIER_COUNT, INFO = 5 };
    if (!out || !info || capacity < 0 || (*env)->GetArrayLength(env, out) / PER_SITE < capacity ||
        (*env)->GetArrayLength(env, info) < INFO)
        return -WALLOC_ERR_INVALID_ARGUMENT;
    walloc_profile_site *sites = capacity > 0 ? malloc((size_t)capacity * sizeof *sites) : NULL;
    if (capacity > 0 && !sites)
        return -WALLOC_ERR_OUT_OF_MEMORY;
    size_t count = 0;
    walloc_profile_info pi;
    walloc_status st = walloc_profile_snapshot(core, sites, (size_t)capacity, &count, &pi);
    if (st == WALLOC_OK) {
        for (size_t i = 0; i < count && i < (size_t)capacity; i++) {
            jlong v[PER_SITE];
            v[0] = (jlong)sites[i].site;
            for (int t = 0; t < WALLOC_TIER_COUNT; t++) {
                v[1 + t] = (jlong)sites[i].allocs[t];
                v[4 + t] = (jlong)sites[i].live_blocks[t];
                v[7 + t] = (jlong)sites[i].live_bytes[t];
            }
            (*env)->SetLongArrayRegion(env, out, (jsize)(i * PER_SITE), PER_SITE, v);
        }
        jlong iv[INFO] = {(jlong)pi.rate, (jlong)pi.max_sites, (jlong)pi.sites, (jlong)pi.overflow_samples,
                          (jlong)pi.lost_samples};
        (*env)->SetLongArrayRegion(env, info, 0, INFO, iv);
    }
    free(sites);
    return st == WALLOC_OK ? (jint)count : -(jint)st;
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_profileSnapshot(JNIEnv *env, jclass cls, jlong w,
        jlongArray out, jint capacity, jlongArray info)
{
    /* Without the native gate, like resetTier: the caller is inside the Java gate (which close
     * drains before it shuts this one) or holds the gate shut for close, which reads the profile
     * one last time before destroying the core. The core takes the profile's lock. */
    return profile_snapshot(env, W(w), out, capacity, info);
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

/* offset/length are checked against the array here too (Java checks first, with a better
 * message): a bad pair must never reach a copy. */
static int range_ok(JNIEnv *env, jbyteArray a, jint offset, jint length)
{
    if (!a || offset < 0 || length < 0)
        return 0;
    jsize n = (*env)->GetArrayLength(env, a);
    return offset <= n && length <= n - offset;
}

static jint write_inside(JNIEnv *env, walloc *core, jlong dst, jbyteArray src, jint offset, jint length)
{
    if (!range_ok(env, src, offset, length))
        return WALLOC_ERR_INVALID_ARGUMENT;
    if (length <= SMALL_COPY) {
        jbyte buf[SMALL_COPY];
        (*env)->GetByteArrayRegion(env, src, offset, length, buf);
        return (jint)walloc_write(core, (walloc_handle)dst, buf, (uint64_t)length);
    }
    jbyte *p = (*env)->GetPrimitiveArrayCritical(env, src, NULL);
    if (!p)
        return WALLOC_ERR_OUT_OF_MEMORY; /* an OutOfMemoryError is pending */
    walloc_status st = walloc_write(core, (walloc_handle)dst, p + offset, (uint64_t)length);
    (*env)->ReleasePrimitiveArrayCritical(env, src, p, JNI_ABORT);
    return (jint)st;
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_write(JNIEnv *env, jclass cls, jlong w,
        jlong dst, jbyteArray src, jint offset, jint length)
{
    GATED(w, HOST_CLOSED, write_inside(env, H(w)->core, dst, src, offset, length));
}

static jint read_inside(JNIEnv *env, walloc *core, jlong src, jbyteArray dst, jint offset, jint length)
{
    if (!range_ok(env, dst, offset, length))
        return WALLOC_ERR_INVALID_ARGUMENT;
    if (length <= SMALL_COPY) {
        jbyte buf[SMALL_COPY];
        walloc_status st = walloc_read(core, (walloc_handle)src, buf, (uint64_t)length);
        if (st == WALLOC_OK)
            (*env)->SetByteArrayRegion(env, dst, offset, length, buf);
        return (jint)st;
    }
    jbyte *p = (*env)->GetPrimitiveArrayCritical(env, dst, NULL);
    if (!p)
        return WALLOC_ERR_OUT_OF_MEMORY;
    walloc_status st = walloc_read(core, (walloc_handle)src, p + offset, (uint64_t)length);
    /* 0 copies back if the VM handed out a copy; on error nothing was written into it. */
    (*env)->ReleasePrimitiveArrayCritical(env, dst, p, st == WALLOC_OK ? 0 : JNI_ABORT);
    return (jint)st;
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_read(JNIEnv *env, jclass cls, jlong w,
        jlong src, jbyteArray dst, jint offset, jint length)
{
    GATED(w, HOST_CLOSED, read_inside(env, H(w)->core, src, dst, offset, length));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_copy(JNIEnv *env, jclass cls, jlong w,
                                                        jlong dst, jlong src, jlong length)
{
    /* A negative length reaches the core as a huge unsigned one: out of bounds there. */
    GATED(w, HOST_CLOSED, (jint)walloc_copy(H(w)->core, (walloc_handle)dst, (walloc_handle)src, (uint64_t)length));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_fill(JNIEnv *env, jclass cls, jlong w,
                                                        jlong dst, jint value, jlong length)
{
    /* A negative length reaches the core as a huge unsigned one: out of bounds there. */
    GATED(w, HOST_CLOSED, (jint)walloc_fill(H(w)->core, (walloc_handle)dst, (uint8_t)value, (uint64_t)length));
}

static jlong bulk_copy_inside(JNIEnv *env, walloc *core, jlongArray ops, jint count)
{
    if (!ops || count < 0 || (*env)->GetArrayLength(env, ops) / 3 < count)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if (count == 0)
        return WALLOC_OK;
    size_t n = (size_t)count;
    walloc_copy_op *o = malloc(n * sizeof *o);
    if (!o)
        return WALLOC_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < n; i++) {
        jlong v[3];
        (*env)->GetLongArrayRegion(env, ops, (jsize)(3 * i), 3, v);
        o[i].dst = (walloc_handle)v[0];
        o[i].src = (walloc_handle)v[1];
        o[i].len = (uint64_t)v[2];
    }
    size_t failed = 0;
    walloc_status st = walloc_bulk_copy(core, o, n, &failed);
    free(o);
    if (st == WALLOC_OK)
        return 0;
    return (jlong)st | ((jlong)failed << 8);
}

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_bulkCopy(JNIEnv *env, jclass cls, jlong w,
        jlongArray ops, jint count)
{
    GATED(w, (jlong)HOST_CLOSED, bulk_copy_inside(env, H(w)->core, ops, count));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_checkRange(JNIEnv *env, jclass cls, jlong w,
        jlong handle, jlong length)
{
    if (length < 0)
        return WALLOC_ERR_OUT_OF_BOUNDS;
    GATED(w, HOST_CLOSED, (jint)walloc_check_range(H(w)->core, (walloc_handle)handle, (uint64_t)length));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_tierRange(JNIEnv *env, jclass cls, jlong w,
        jint tier, jlongArray out)
{
    if (!out || (*env)->GetArrayLength(env, out) < 2)
        return WALLOC_ERR_INVALID_ARGUMENT;
    walloc_handle range[2];
    walloc_status st = walloc_tier_range(W(w), (walloc_tier)tier, &range[0], &range[1]);
    if (st == WALLOC_OK)
        (*env)->SetLongArrayRegion(env, out, 0, 2, (const jlong *)range);
    return (jint)st;
}

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_address(JNIEnv *env, jclass cls, jobject buffer)
{
    return buffer ? (jlong)(uintptr_t)(*env)->GetDirectBufferAddress(env, buffer) : 0;
}

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_blockSize(JNIEnv *env, jclass cls, jlong w,
                                                              jint tier, jlong size)
{
    if (size < 0)
        return 0;
    GATED(w, (jlong)-1, (jlong)walloc_block_size(H(w)->core, (walloc_tier)tier, (uint64_t)size));
}

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_regionBase(JNIEnv *env, jclass cls, jlong w)
{
    return (jlong)(uintptr_t)walloc_region_of(W(w)).base;
}

JNIEXPORT jlong JNICALL Java_io_walloc_WallocNative_regionSize(JNIEnv *env, jclass cls, jlong w)
{
    return (jlong)walloc_region_of(W(w)).size;
}

JNIEXPORT void JNICALL Java_io_walloc_WallocNative_destroyKeepRegion(JNIEnv *env, jclass cls, jlong w)
{
    /* Called once, with the gate shut for good (closed). */
    walloc_destroy_keep_region(W(w));
    H(w)->core = NULL;
}

JNIEXPORT void JNICALL Java_io_walloc_WallocNative_regionRelease(JNIEnv *env, jclass cls,
                                                                 jlong base, jlong size)
{
    walloc_region_release((walloc_region){(void *)(uintptr_t)base, (uint64_t)size});
}

JNIEXPORT jobject JNICALL Java_io_walloc_WallocNative_buffer(JNIEnv *env, jclass cls, jlong address,
                                                             jint length)
{
    if (!address || length < 0)
        return NULL;
    return (*env)->NewDirectByteBuffer(env, (void *)(uintptr_t)address, (jlong)length);
}

JNIEXPORT jstring JNICALL Java_io_walloc_WallocNative_statusString(JNIEnv *env, jclass cls,
                                                                   jint status)
{
    return (*env)->NewStringUTF(env, walloc_status_str((walloc_status)status));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_tierAlignment(JNIEnv *env, jclass cls, jint tier)
{
    return (jint)walloc_tier_alignment((walloc_tier)tier);
}
