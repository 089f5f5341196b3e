/*
 * internal.h - the instance and tier structures shared by the core's source files.
 *
 * Layout of a handle space (handle_space.h): natively one reservation [base, base + reserved),
 * tiers one after another (Top, Middle, Bottom), each a single segment committed lazily.
 * WebAssembly: base is 0 and a tier is a chain of segments appended to linear memory as it fills.
 */
#ifndef WALLOC_INTERNAL_H
#define WALLOC_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "walloc.h"
#include "bins.h"
#include "build_features.h"
#include "lock.h"
#include "platform_memory.h"
#include "size_class.h"

#define WALLOC_CACHE_LINE 64

/* Each tier's alignment as a shift, in walloc_tier order: 128, 64 and 8 bytes (walloc.h). The
 * smallest sets how many size classes a tier may have (WALLOC_CLASS_COUNT_MAX: tier.c checks). */
#define WALLOC_TIER_ALIGN_SHIFTS {7u, 6u, 3u}
#define WALLOC_MIN_ALIGN_SHIFT 3u
#define WALLOC_CACHE_ALIGNED __attribute__((aligned(WALLOC_CACHE_LINE)))

/* Per-thread caches: natively one per thread; in WebAssembly (no threads) the one cache is what
 * keeps the fast path free of the shared freelists' tagged CAS. */
#if !defined(WALLOC_NO_THREAD_CACHE)
#define WALLOC_THREAD_CACHE 1
#else
#define WALLOC_THREAD_CACHE 0
#endif

/* Tier memory is handed out in pages of this size: large blocks are rounded to it (so a split
 * remainder can always hold an extent header), spans are whole runs of them, the instance maps
 * each one to its span, and free ones are given back to the system one by one. */
#define WALLOC_PAGE_SHIFT 12u
#define WALLOC_PAGE (1u << WALLOC_PAGE_SHIFT)
#define WALLOC_LARGE_GRANULE WALLOC_PAGE
/* WebAssembly: most segments a tier may chain. Segments grow geometrically, so 32 suffice. */
#define WALLOC_MAX_SEGMENTS 32u

struct segment {
    uint64_t base; /* handle of the first byte */
    uint64_t size;
    uint64_t tail; /* bytes left unused when the segment was closed (WebAssembly) */
};

/* Free large extents of a tier, address-ordered, coalesced; headers live in the extents. */
struct large_free {
    wl_mutex lock;  /* also guards the tier's page state: the bump head and given-back pages */
    uint64_t first; /* handle of the lowest extent, WALLOC_NULL if none */
    uint64_t count;
    _Atomic uint64_t bytes;
    uint64_t resident; /* bytes of the extents still committed */
    uint64_t era;      /* changes when a compaction or reset forgets extents (large.c) */
};

struct span;

/* One chunk of a tier's pool of span structures. */
#define SPAN_CHUNK 256u

struct tier {
    /* Read-mostly. */
    walloc *owner;
    walloc_tier id;
    uint32_t align;
    uint32_t align_shift;
    uint32_t class_count;
    uint32_t class_size[WALLOC_CLASS_COUNT_MAX]; /* size_class_size, precomputed */
    uint32_t span_pages[WALLOC_CLASS_COUNT_MAX]; /* length of a span of each class, in pages */
    /* Largest request served by size classes (spans): WALLOC_MAX_CLASS_SIZE, or less in a tier
     * too small for spans of the top classes (their requests take the large path). */
    uint32_t small_max;
    uint64_t capacity;      /* bytes the tier may use */
    uint64_t start;         /* native: handle of the tier's first byte */
    uint64_t retain;        /* free memory kept committed; more is given back to the system */

    /* The bump head and the end of usable memory in the current segment. Written by the
     * allocation slow paths (CAS) and growth; alone on their line. */
    _Atomic uint64_t head WALLOC_CACHE_ALIGNED;
    _Atomic uint64_t limit;

    /* Growth (under grow_lock). */
    wl_mutex grow_lock WALLOC_CACHE_ALIGNED;
    struct segment segs[WALLOC_MAX_SEGMENTS];
    _Atomic uint32_t seg_count;
    _Atomic uint32_t cur_seg;
    _Atomic uint64_t committed;
    _Atomic uint64_t used_before_cur; /* bytes of the segments before cur_seg */
    _Atomic uint64_t peak;
    uint64_t *decommitted;    /* native: a bit per page of the tier given back to the system */

    /* Spans (under lock): the pool of structures, the unowned spans with free blocks per class. */
    wl_mutex lock WALLOC_CACHE_ALIGNED;
    struct span **span_chunks; /* span id i is span_chunks[i / SPAN_CHUNK][i % SPAN_CHUNK] */
    uint32_t span_chunk_count; /* chunks allocated */
    uint32_t span_ids;         /* ids handed out so far (id 0 is never used) */
    uint32_t span_free_ids;    /* released structures, linked through next */
    uint32_t shared[WALLOC_CLASS_COUNT_MAX];

    /* Counters. Statistics add the live spans' own counts (a large block is a span of one). */
    _Atomic uint64_t folded_allocs;  /* allocations of spans since released */
    _Atomic uint64_t released;       /* live blocks released by reset and compact */
    _Atomic uint64_t failed_allocs;
    _Atomic uint64_t resets;

    struct large_free large;
};

struct tcache;
struct checked_table;
struct profile;

struct walloc {
    uint64_t id;    /* unique for the process's lifetime: thread caches match on it */
    uint8_t *base;  /* handle 0; NULL in WebAssembly */
    /* The span each page of the handle space belongs to (NULL: none), for npages pages. */
    _Atomic(struct span *) *page_span;
    uint64_t npages;
    uint64_t reserved;
    int checked;
    struct tier tiers[WALLOC_TIER_COUNT];
    struct bins bins; /* builds without threads: blocks the one thread freed (bins.h) */

    wl_mutex tc_lock;       /* guards the thread-cache list; reset and compact hold it */
    struct tcache *tcaches; /* caches of live threads that used this instance */
    struct checked_table *table;
    struct profile *profile; /* NULL unless walloc_config.profile */
    struct walloc *next_live; /* global list of live instances (thread_cache.c) */
};

/* Whether w is checked (never in a build without checked mode: build_features.h). */
static inline bool instance_checked(const walloc *w)
{
    return WALLOC_CHECKED && w->checked;
}

/* The tier whose memory holds h (handed out or not), or NULL. */
struct tier *wl_tier_of_handle(const walloc *w, uint64_t h);

/* WALLOC_OK when [h, h + n) lies inside what one tier of w has handed out; else
 * WALLOC_ERR_INVALID_HANDLE (in no tier) or WALLOC_ERR_OUT_OF_BOUNDS. */
walloc_status wl_instance_check_range(const walloc *w, uint64_t h, uint64_t n);

/* The class of a request of size bytes (1 <= size <= small_max). */
static inline unsigned tier_class_of(const struct tier *t, uint64_t size)
{
    return size_class_for(size, t->align_shift);
}

/* The bytes a block for a request of req (>= 1) bytes really spans: its class size, or the
 * request rounded to WALLOC_LARGE_GRANULE above the tier's small_max. */
static inline uint64_t tier_block_size(const struct tier *t, uint64_t req)
{
    return req <= t->small_max ? t->class_size[tier_class_of(t, req)]
                               : (req + WALLOC_LARGE_GRANULE - 1) & ~(uint64_t)(WALLOC_LARGE_GRANULE - 1);
}


static inline void *handle_ptr(const walloc *w, walloc_handle h)
{
    return (void *)(w->base + h);
}

static inline uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Relaxed counters: statistics never order anything. */
static inline void counter_add(_Atomic uint64_t *c, uint64_t v)
{
    atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}
static inline void counter_sub(_Atomic uint64_t *c, uint64_t v)
{
    atomic_fetch_sub_explicit(c, v, memory_order_relaxed);
}
static inline uint64_t counter_get(const _Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

#if defined(__GNUC__)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif
