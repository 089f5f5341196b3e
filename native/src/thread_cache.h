/*
 * thread_cache.h - per-thread caches in front of the shared freelists and bump head.
 *
 * On 2 cores every shared atomic word costs a cache-line transfer (~50 ns), so each thread
 * keeps, per (instance, tier), a bin of free blocks per size class and a private bump chunk.
 * The fast path reads and writes only the calling thread's cache: no atomic read-modify-write.
 * Bins refill from and flush to the shared freelists in batches (one CAS per batch).
 *
 * A cache belongs to one thread; it is created on the thread's first call into an instance
 * and lives until the thread exits (its blocks are flushed to the shared freelists) or the
 * instance is destroyed. Reset and compact change the tier's epoch and the instance's
 * fast_key; the key sends every thread's next call to the slow path, where its cache drops
 * what it holds for a tier whose epoch moved. Caches are found through a small thread-local
 * table keyed by the instance's unique id, so a destroyed instance is never mistaken for a
 * new one at the same address.
 *
 * A thread holds at most a bin's limit of blocks per class (see bin_limit: up to 1/64 of the
 * tier per class) plus its chunk. Blocks a thread holds are not available to other threads
 * until it frees more than its bin takes, exits, or the tier is reset.
 */
#ifndef WALLOC_THREAD_CACHE_H
#define WALLOC_THREAD_CACHE_H

#include "block.h"
#include "internal.h"
#include "tier.h"

#if WALLOC_THREAD_CACHE

/* A thread caches at most this many instances at once; further ones use the shared paths. */
#define TL_SLOTS 4

/* A bin is a stack of free blocks of one size class, kept as handles in an array the cache
 * owns, never as links inside the blocks: the fast paths touch no memory a caller can write, so
 * nothing they read needs validating. (Full handles rather than 32-bit indices: converting
 * costs more on the fast paths, measured 7.0 vs 5.8 ns per alloc+free pair, than the 4 extra
 * bytes per cached block.) pushes and pops count forever; their difference
 * is the depth, and their sums give the tier's allocation and free totals without a counter
 * per operation. Only the owning thread writes them (relaxed stores, never a read-modify-write);
 * statistics read them from other threads. */
struct tc_bin {
    _Atomic uint64_t pushes; /* blocks ever put in (frees, refills, carving) */
    _Atomic uint64_t pops;   /* blocks ever taken out (allocations, flushes, drops) */
    uint64_t *slots;         /* block handles, allocated at the bin's first push */
    uint32_t cap;            /* entries of slots: 0 until allocated */
    uint32_t limit;          /* cap once allocated */
};

struct tc_tier {
    _Atomic uint32_t epoch;
    _Atomic uint64_t chunk_cur, chunk_end; /* private bump chunk */
    /* Corrections that turn the bins' pushes and pops into allocation and free totals: */
    _Atomic uint64_t allocs;     /* allocations that popped no bin (taken from the chunk) */
    _Atomic uint64_t not_allocs; /* pops that were no allocation (flushes, drops) */
    _Atomic uint64_t not_frees;  /* pushes that were no free (refills, carving) */
    struct tc_bin bins[WALLOC_CLASS_COUNT_MAX];
};

struct tcache {
    uint64_t id;
    walloc *w;
    struct tcache *next, *prev; /* in w->tcaches, under w->tc_lock */
    struct tc_tier tiers[WALLOC_TIER_COUNT];
};

/* key: the instance's fast_key as it was when slot 0's cache was last made current for every
 * tier. The fast paths compare it with the instance's fast_key, which changes on every reset
 * and compact, so one compare covers "this instance" and "no tier moved its epoch". */
struct tl_slots {
    uint64_t key;
    uint64_t id[TL_SLOTS];
    struct tcache *tc[TL_SLOTS];
};

#if defined(__wasm__)
extern struct tl_slots walloc_tl; /* one thread */
#else
extern __thread struct tl_slots walloc_tl __attribute__((tls_model("initial-exec")));
#endif

/* The calling thread's cache of w with every tier current for its epoch, now in slot 0 (and
 * walloc_tl.key set, unless w is checked); NULL when the thread can't have one. */
struct tcache *tcache_current(walloc *w);

static inline uint64_t tc_get(const _Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static inline void tc_set(_Atomic uint64_t *v, uint64_t x)
{
    atomic_store_explicit(v, x, memory_order_relaxed);
}

static inline void tc_add(_Atomic uint64_t *v, uint64_t x)
{
    tc_set(v, tc_get(v) + x);
}

/* Blocks in bin b. Reads pops first: pushes only grow, so a reader on another thread never
 * sees a negative depth. */
static inline uint32_t bin_depth(const struct tc_bin *b)
{
    uint64_t pops = tc_get(&b->pops);
    return (uint32_t)(tc_get(&b->pushes) - pops);
}

/* Takes the top block of bin c, WALLOC_NULL when it is empty. The caller counts it. */
static inline uint64_t tc_bin_pop(struct tc_tier *tt, unsigned c)
{
    struct tc_bin *b = &tt->bins[c];
    uint64_t pops = tc_get(&b->pops), n = tc_get(&b->pushes) - pops;
    if (n == 0)
        return WALLOC_NULL;
    tc_set(&b->pops, pops + 1);
    return b->slots[n - 1];
}

/* Puts block h on bin c, making room (tcache_bin_make_room) when it is full or not allocated
 * yet. false only when the bin's array cannot be allocated. */
bool tcache_bin_push(struct tc_tier *tt, struct tier *t, unsigned c, uint64_t h);

/* Refills bin c (shared freelist, then the private chunk) and takes a block from it;
 * WALLOC_NULL when neither has one. The block is counted as allocated. */
uint64_t tcache_refill(struct tc_tier *tt, struct tier *t, unsigned c);


#endif /* WALLOC_THREAD_CACHE */

/* Registry of live instances (also used without thread caches, for ids). */
void tcache_register_instance(walloc *w);
/* Unregisters w and frees every cache of it. No call on w may be running. */
void tcache_unregister_instance(walloc *w);

/* Sum of cached bytes, allocs and frees of tier t over all live caches of w. */
void tcache_tier_totals(walloc *w, const struct tier *t, uint64_t *cached, uint64_t *allocs,
                        uint64_t *frees);

/* Serialises reset/compact of a tier against thread-exit flushes (which push to freelists). */
void tcache_lock(walloc *w);
void tcache_unlock(walloc *w);

#endif
