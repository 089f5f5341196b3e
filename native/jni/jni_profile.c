/*
 * jni_profile.c - JNI glue: the allocation profile's snapshot into Java arrays. See walloc_jni.c
 * for the glue's rules.
 */
#include "jni_glue.h"

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
