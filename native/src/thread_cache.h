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
 * instance is destroyed. Reset and compact change the tier's epoch; a cache that sees a new
 * epoch drops what it holds for that tier. Caches are found through a small thread-local
 * table keyed by the instance's unique id, so a destroyed instance is never mistaken for a
 * new one at the same address.
 */
#ifndef WALLOC_THREAD_CACHE_H
#define WALLOC_THREAD_CACHE_H

#include "block.h"
#include "internal.h"
#include "tier.h"

#if WALLOC_THREAD_CACHE

/* A thread caches at most this many instances at once; further ones use the shared paths. */
#define TL_SLOTS 4

/* Fields other threads read (statistics) are atomics that only the owning thread writes, with
 * relaxed loads and stores: plain moves, never a read-modify-write. */
struct tc_bin {
    uint64_t head;          /* chain linked through the blocks' first word */
    _Atomic uint32_t count; /* blocks in the chain */
    uint32_t limit;         /* flush half when count exceeds it */
};

struct tc_tier {
    _Atomic uint32_t epoch;
    _Atomic uint64_t chunk_cur, chunk_end; /* private bump chunk */
    _Atomic uint64_t allocs;
    _Atomic uint64_t frees;
    struct tc_bin bins[WALLOC_CLASS_COUNT_MAX];
};

struct tcache {
    uint64_t id;
    walloc *w;
    struct tcache *next, *prev; /* in w->tcaches, under w->tc_lock */
    struct tc_tier tiers[WALLOC_TIER_COUNT];
};

struct tl_slots {
    uint64_t id[TL_SLOTS];
    struct tcache *tc[TL_SLOTS];
};

#if defined(__wasm__)
extern struct tl_slots walloc_tl; /* one thread */
#else
extern __thread struct tl_slots walloc_tl __attribute__((tls_model("initial-exec")));
#endif

/* Slow lookup: other slots, else a new cache. NULL when the thread can't have one. */
struct tcache *tcache_attach(walloc *w);
/* The tier's epoch moved: forget the cache's contents for it. */
void tcache_tier_renew(struct tc_tier *tt, struct tier *t);

/* The calling thread's cache for tier t of w, current for the tier's epoch; NULL if none. */
static inline struct tc_tier *tcache_tier(walloc *w, struct tier *t)
{
    struct tcache *tc = walloc_tl.id[0] == w->id ? walloc_tl.tc[0] : tcache_attach(w);
    if (tc == NULL)
        return NULL;
    struct tc_tier *tt = &tc->tiers[t->id];
    if (atomic_load_explicit(&tt->epoch, memory_order_relaxed) !=
        atomic_load_explicit(&t->epoch, memory_order_relaxed))
        tcache_tier_renew(tt, t);
    return tt;
}

static inline void tc_count(_Atomic uint64_t *c, int64_t delta)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + (uint64_t)delta,
                          memory_order_relaxed);
}

static inline uint32_t bin_count(const struct tc_bin *b)
{
    return atomic_load_explicit(&b->count, memory_order_relaxed);
}

static inline void bin_set_count(struct tc_bin *b, uint32_t n)
{
    atomic_store_explicit(&b->count, n, memory_order_relaxed);
}

static inline uint64_t tc_get(const _Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static inline void tc_set(_Atomic uint64_t *v, uint64_t x)
{
    atomic_store_explicit(v, x, memory_order_relaxed);
}

/* Refills bin c (shared freelist, then the private chunk) and takes a block from it;
 * WALLOC_NULL when neither has one. */
uint64_t tcache_refill(struct tc_tier *tt, struct tier *t, unsigned c);
/* Puts block h on bin c. true when the bin is now over its limit: the caller flushes it
 * (tcache_flush), so fast paths can keep the flush out of line. */
static inline bool tc_bin_push(struct tc_tier *tt, uint8_t *base, unsigned c, uint64_t h)
{
    struct tc_bin *b = &tt->bins[c];
    block_word_store(base + h, 0, b->head);
    b->head = h;
    uint32_t n = bin_count(b) + 1;
    bin_set_count(b, n);
    return n > b->limit;
}

/* Takes the head block of bin c (which must not be empty). A link that does not name a block
 * of the tier (the block was written after it was freed) empties the bin: its rest stays
 * unusable until a reset. No calls, so the fast paths that inline it need no stack frame. */
static inline uint64_t tc_bin_pop(struct tc_tier *tt, const struct tier *t, const uint8_t *base,
                                  unsigned c)
{
    struct tc_bin *b = &tt->bins[c];
    uint64_t h = b->head;
    uint64_t next = block_word_load(base + h, 0);
    uint32_t count = bin_count(b);
    if (unlikely(next != WALLOC_NULL && !tier_block_ok(t, next, t->class_size[c])))
        next = WALLOC_NULL, count = 1;
    b->head = next;
    bin_set_count(b, count - 1);
    return h;
}

/* Moves half of bin c to the shared freelist. */
void tcache_flush(struct tc_tier *tt, struct tier *t, unsigned c);

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
