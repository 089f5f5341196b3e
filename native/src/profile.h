/*
 * profile.h - an instance's allocation profile: sampled blocks counted per site and tier.
 *
 * A sample is a block the profile's own cache (the sampler: a thread cache no thread has) hands
 * out under the profile's lock; its record (handle -> site, bytes) lives in a table here. So a
 * sampled block lies in a span the sampler owns: the free fast path, which pushes only into the
 * calling thread's own spans, never takes it, and the slow paths bring it here, where its record
 * goes and the sampler takes the block back. Blocks that are not samples never come near the
 * profile: with profiling off the fast paths are untouched, and with a rate of 0 (hosts that
 * sample themselves) they still run for every unsampled allocation.
 *
 * Locks: the profile's first, then the sampler's cache and tier locks (taken by what it calls).
 * Memory: the sites (fixed: walloc_config.profile_sites) and one record per live sample.
 */
#ifndef WALLOC_PROFILE_H
#define WALLOC_PROFILE_H

#include "internal.h"
#include "thread_cache.h"

struct sample_record;

struct profile {
    wl_mutex lock;
    uint32_t rate;      /* walloc_alloc: one in rate sampled; 0: none */
    uint32_t max_sites;
    struct tcache *sampler;
    struct tl_slots no_thread; /* the sampler's slots: no thread's */

    walloc_profile_site *sites; /* max_sites + 1: the last is WALLOC_SITE_OTHER */
    uint32_t *site_slot;        /* open addressing: site -> index + 1 (0: empty) */
    uint32_t site_slots;        /* a power of two, at least twice max_sites */
    uint32_t site_count;
    uint64_t overflow_samples, lost_samples;

    struct sample_record *records; /* open addressing, tombstones */
    uint64_t record_cap, record_used, record_dead;
};

/* w's profile, or NULL (always in a build without profiles: build_features.h). */
static inline struct profile *profile_of(const walloc *w)
{
    return WALLOC_PROFILES ? w->profile : NULL;
}

/* A profile for w as c asks, its sampler included; NULL when out of memory. */
struct profile *wl_profile_create(walloc *w, const walloc_config *c);
/* Whether c's profile fields are valid (the rest is walloc_config_validate's). */
bool wl_profile_valid_config(const walloc_config *c);
/* Frees what wl_profile_create made but the sampler (the instance frees every cache of its own). */
void wl_profile_destroy(struct profile *p);

/* Whether walloc_alloc on w samples (then its allocations skip the fast path). Never in builds
 * with bins (wl_profile_valid_config). */
static inline bool profile_samples_walloc_alloc(const walloc *w)
{
    return !WALLOC_BINS && profile_of(w) != NULL && profile_of(w)->rate != 0;
}

/* Whether the calling thread's next walloc_alloc on w, which caches it in tc, is a sample: a
 * countdown per thread, drawn anew after each sample. */
bool wl_profile_sample_due(struct profile *p, struct tcache *tc);

/* Whether s is a span of the sampler: its blocks are samples, freed through profile_free. */
static inline bool profile_owns_span(const walloc *w, const struct span *s)
{
    return profile_of(w) != NULL && atomic_load_explicit(&s->owner, memory_order_relaxed) == profile_of(w)->sampler;
}

static inline void profile_lock(struct profile *p) { wl_lock(&p->lock); }
static inline void profile_unlock(struct profile *p) { wl_unlock(&p->lock); }

/* Under the lock: records block h (bytes as statistics count it) of tier as a sample of site.
 * A handle already recorded (a corrupted free list handed a live sample out again) keeps its
 * record. */
void wl_profile_record(struct profile *p, uint64_t h, uint64_t site, walloc_tier tier, uint64_t bytes);
/* Under the lock: takes block h off its site's counts, if it is a sample. */
void wl_profile_forget(struct profile *p, uint64_t h);
/* Reset and compact (tier quiescent, profile lock not held): forgets every sample of tier t that
 * does not end at or below logical offset keep. */
void wl_profile_forget_above(struct profile *p, const struct tier *t, uint64_t keep);

#endif
