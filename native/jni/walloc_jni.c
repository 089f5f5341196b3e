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
 * definitions is a compile error. One file per concept: this one the instance (configuration,
 * creation, gate, region, statistics and the core's facts), jni_blocks.c allocation and freeing,
 * jni_access.c reads, writes, copies and buffers, jni_profile.c the allocation profile; what they
 * share is jni_glue.h.
 */
#include "jni_glue.h"

#define ABI_VERSION 6

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

JNIEXPORT void JNICALL Java_io_walloc_WallocNative_release(JNIEnv *env, jclass cls, jlong w)
{
    walloc_gate_delete(H(w)->gate);
    free(H(w));
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

JNIEXPORT jstring JNICALL Java_io_walloc_WallocNative_statusString(JNIEnv *env, jclass cls,
                                                                   jint status)
{
    return (*env)->NewStringUTF(env, walloc_status_str((walloc_status)status));
}

JNIEXPORT jint JNICALL Java_io_walloc_WallocNative_tierAlignment(JNIEnv *env, jclass cls, jint tier)
{
    return (jint)walloc_tier_alignment((walloc_tier)tier);
}
