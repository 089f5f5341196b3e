/*
 * thread_cache.h - each thread's spans: the state behind the fast paths.
 *
 * A thread keeps, per instance it uses (up to TL_SLOTS at once), a cache: per tier and size
 * class the span it allocates from (its current span) and the other spans it owns, partly free
 * or full. The allocation fast path reads the current span through a table indexed by the
 * request's size in 8-byte steps (up to DIRECT_MAX bytes); the free fast path finds the block's
 * span through the instance's page map and, when the calling thread owns it, pushes the block
 * onto the span's free list. Neither does an atomic read-modify-write.
 *
 * When a thread exits, or evicts an instance from its slots, its cache is retired: every span
 * it owns becomes unowned (partly free ones go to the tier's shared lists, empty ones back to
 * the tier), and the cache is freed. Reset and compact of a tier (which never run while that
 * tier is in use) edit every cache's state for the tier directly, under the instance's cache
 * lock, so no cache ever holds a span that is gone.
 *
 * A thread holds, per class, one span it allocates from and the spans it owns; blocks others
 * free into them return to use when it next allocates in that class (or exits), or when a thread
 * that runs out of room finds all of a span's blocks free. Of its empty spans a thread keeps one
 * current span per tier and spares for any class up to a budget (a 64th of the tier, at most
 * 4 MiB); the others go back to the tier at once.
 */
#ifndef WALLOC_THREAD_CACHE_H
#define WALLOC_THREAD_CACHE_H

#include "block.h"
#include "internal.h"
#include "span.h"

/* A thread caches at most this many instances at once; using a further one retires the least
 * recently used cache. */
#define TL_SLOTS 4

/* Requests up to this size (every class) find their span by a table lookup on the fast path. */
#define DIRECT_MAX WALLOC_MAX_CLASS_SIZE
#define DIRECT_SLOTS (DIRECT_MAX / 8)

/* The span every empty slot points to: always full, owned by nobody. */
extern struct span wl_span_none;

struct tc_tier {
    struct span *cur[WALLOC_CLASS_COUNT_MAX]; /* the span each class allocates from (wl_span_none) */
    uint32_t partial[WALLOC_CLASS_COUNT_MAX]; /* owned spans with free blocks (list heads) */
    uint32_t full[WALLOC_CLASS_COUNT_MAX];    /* owned spans that had no free block left */
    struct span *empty; /* the one current span kept while empty */
    uint32_t spare;     /* other empty spans, kept for any class (list head) */
    uint64_t spare_bytes;
    uint32_t limbo;     /* spans other threads took entirely free, waiting to be recycled
                         * (linked through next; under the cache's lock) */
};

struct tl_slots;

struct tcache {
    /* The allocation fast path's table: tier, (size - 1) / 8 -> the class's current span. */
    struct span *direct[WALLOC_TIER_COUNT][DIRECT_SLOTS];
    uint64_t id;     /* the instance's id */
    walloc *w;
    struct tcache *next, *prev; /* in w->tcaches, under w->tc_lock */
    struct tl_slots *tl;        /* the owning thread's slots (for an instance's destroy) */
    /* Guards the lists of tiers[] and which spans are on them, against a thread that runs out of
     * room and takes this cache's entirely free spans (the owner's fast paths and its current
     * spans need no lock: nobody else takes a current span). Order: w->tc_lock, this, the
     * tier's lock. */
    wl_mutex lock;
    struct tc_tier tiers[WALLOC_TIER_COUNT];
    /* The allocation profile's countdown for this thread (profile.c). */
    uint32_t sample_gap, sample_rng;
};

/* A thread's caches. While slot 0's instance may take the fast paths (it is not checked), w0 is
 * that instance and tc0 its cache; otherwise both are an address no instance or cache has (never
 * NULL: a NULL instance argument or an unowned span never matches them). The instance's destroy
 * clears both in every thread that still has it. */
struct tl_slots {
    _Atomic(walloc *) w0;
    _Atomic(struct tcache *) tc0;
    uint64_t id[TL_SLOTS];
    struct tcache *tc[TL_SLOTS];
};

#if !WALLOC_THREADS
extern struct tl_slots wl_tl; /* one thread (WebAssembly without threads) */
#else
extern __thread struct tl_slots wl_tl __attribute__((tls_model("initial-exec")));
#endif

/* The calling thread's cache of w, made slot 0 (w0 set unless w is checked); NULL when the
 * thread can't have one (out of memory). thread_slots.c. */
struct tcache *wl_tcache_current(walloc *w);

/* A block of class c of tier t from cache tc (its spans, the tier's shared spans, a new span),
 * counted; WALLOC_NULL when the tier has no room. Called by tc's thread (the profile's sampler:
 * under the profile's lock). */
uint64_t wl_tcache_alloc(struct tcache *tc, struct tier *t, unsigned c);

/* Up to n more blocks of class c of tier t into out, from the current span of cache tc only
 * (none when it has no free block left); how many. Counted as allocations. */
uint32_t wl_tcache_alloc_current(struct tcache *tc, struct tier *t, unsigned c, uint64_t *out, uint32_t n);

/* Frees block d of span s (checked by the caller) from the thread of cache tc (NULL: it has none):
 * into the span when tc owns it, onto its remote list when another thread does, under the tier's lock when
 * nobody does. WALLOC_ERR_OUT_OF_BOUNDS when the span went back to the tier meanwhile (the block
 * was not live: a double free). */
walloc_status wl_tcache_free(walloc *w, struct tcache *tc, struct tier *t, struct span *s, uint64_t d);

/* The owner freed into s and saw that the span was full before or is empty now: moves it between
 * the owner's lists, or gives it back to the tier. Returns WALLOC_OK (so that the free fast path
 * ends in a jump). */
walloc_status wl_tcache_after_free(struct tcache *tc, struct tier *t, struct span *s);

/* Checked mode found block h, live, on a free list: drops the rest of that span's free list
 * when tc (the calling thread's cache, or the profile's sampler under its lock) or nobody owns
 * it. */
void wl_tcache_drop_free_list(walloc *w, struct tcache *tc, struct tier *t, uint64_t h);

/* Reset and compact: takes span s out of whichever cache slot or list holds it (w->tc_lock and
 * the tier's lock held, tier quiescent). */
void wl_tcache_unlist(struct tier *t, struct span *s);

/* A new cache of w for the thread whose slots tl are, linked into w's list; NULL when out of
 * memory. */
struct tcache *wl_tcache_new(walloc *w, struct tl_slots *tl);
/* Gives up every span tc owns (they become unowned, or go back to the tier) and frees it. */
void wl_tcache_retire(struct tcache *tc);
/* Frees every cache of w, pointing each thread that still had w in slot 0 at no_instance and
 * no_cache. The instance is being destroyed: no call on it runs. */
void wl_tcache_free_all(walloc *w, walloc *no_instance, struct tcache *no_cache);

/* ---- thread_slots.c (thread_slots_wasm.c in WebAssembly) ---- */

/* Gives w its id (never reused while the process lives). */
void wl_tcache_register_instance(walloc *w);
/* Unregisters w and frees every cache of it. No call on w may be running. */
void wl_tcache_unregister_instance(walloc *w);

void wl_tcache_lock(walloc *w);
void wl_tcache_unlock(walloc *w);

#endif
