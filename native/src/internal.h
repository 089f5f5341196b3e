/*
 * internal.h - the instance and tier structures shared by the core's source files.
 *
 * Layout of a handle space (native): one reservation [base, base + reserved), tiers one after
 * another (Top, Middle, Bottom), each a single segment committed lazily. WebAssembly: base is 0
 * and a tier is a chain of segments appended to linear memory as it fills.
 */
#ifndef WALLOC_INTERNAL_H
#define WALLOC_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "walloc.h"
#include "lock.h"
#include "platform_memory.h"
#include "size_class.h"

#define WALLOC_CACHE_LINE 64
#define WALLOC_CACHE_ALIGNED __attribute__((aligned(WALLOC_CACHE_LINE)))

/* Per-thread caches: natively one per thread; in WebAssembly (no threads) the one cache is what
 * keeps the fast path free of the shared freelists' tagged CAS. */
#if !defined(WALLOC_NO_THREAD_CACHE)
#define WALLOC_THREAD_CACHE 1
#else
#define WALLOC_THREAD_CACHE 0
#endif

/* Large blocks are rounded to this, so a split remainder can always hold an extent header. */
#define WALLOC_LARGE_GRANULE 4096u
/* WebAssembly: most segments a tier may chain. Segments grow geometrically, so 32 suffice. */
#define WALLOC_MAX_SEGMENTS 32u

/* A shared freelist of one size class: a lock-free stack whose head word packs a 32-bit block
 * index (handle - index_base) / alignment, all ones = empty) with a 32-bit ABA tag that every
 * successful push or pop increments. Alone on its cache line. */
struct freelist {
    _Atomic uint64_t head;
    _Atomic uint64_t bytes; /* bytes on the list, for statistics */
} WALLOC_CACHE_ALIGNED;

struct segment {
    uint64_t base; /* handle of the first byte */
    uint64_t size;
    uint64_t tail; /* bytes left unused when the segment was closed (WebAssembly) */
};

/* Free large extents of a tier, address-ordered, coalesced; headers live in the extents. */
struct large_free {
    wl_mutex lock;
    uint64_t first; /* handle of the lowest extent, WALLOC_NULL if none */
    uint64_t count;
    _Atomic uint64_t bytes;
};

struct tier {
    /* Read-mostly. */
    walloc *owner;
    walloc_tier id;
    uint32_t align;
    uint32_t align_shift;
    uint32_t class_count;
    uint32_t class_size[WALLOC_CLASS_COUNT_MAX]; /* size_class_size, precomputed */
    /* Largest request served by size classes: WALLOC_MAX_CLASS_SIZE, or less in a tier too
     * small for the top classes (their requests take the large path, rounded to 4 KiB). */
    uint32_t small_max;
    /* Class of a request by table: up to 1 KiB by (size - 1) / 8, above by (size - 1) / 128
     * (class boundaries there are multiples of 256 B in every tier). No bit scans on the fast
     * paths. */
    uint8_t class_lut[128];
    uint8_t class_lut_big[WALLOC_MAX_CLASS_SIZE / 128];
    uint64_t capacity;      /* bytes the tier may use */
    uint64_t index_base;    /* freelist indices count from here */
    uint64_t chunk_size;    /* per-thread bump chunk, 0 = none (tiny tiers) */
    _Atomic uint32_t epoch; /* changes on reset/compact: thread caches drop their contents */

    /* The bump head and the end of usable memory in the current segment. Written by the
     * allocation path (CAS) and the growth slow path; alone on their line. */
    _Atomic uint64_t head WALLOC_CACHE_ALIGNED;
    _Atomic uint64_t limit;

    /* Growth slow path (under grow_lock). */
    wl_mutex grow_lock WALLOC_CACHE_ALIGNED;
    struct segment segs[WALLOC_MAX_SEGMENTS];
    _Atomic uint32_t seg_count;
    _Atomic uint32_t cur_seg;
    _Atomic uint64_t committed;
    _Atomic uint64_t used_before_cur; /* bytes of the segments before cur_seg */
    _Atomic uint64_t peak;

    /* Counters of events that are not per-thread. */
    _Atomic uint64_t failed_allocs;
    _Atomic uint64_t resets;
    /* Counts folded in from thread caches that went away, and from cache-less paths. */
    _Atomic uint64_t allocs;
    _Atomic uint64_t frees;
    /* live_blocks = (all allocs - all frees) - live_base; reset/compact move the base. */
    _Atomic int64_t live_base;

    struct large_free large;
    struct freelist lists[WALLOC_CLASS_COUNT_MAX];
};

struct tcache;
struct checked_table;

struct walloc {
    uint64_t id;    /* unique for the process's lifetime: thread caches match on it */
    /* id << 32 | a count of resets and compacts, or all ones when fast paths are off
     * (checked mode); see tl_slots in thread_cache.h. */
    _Atomic uint64_t fast_key;
    uint8_t *base;  /* handle 0; NULL in WebAssembly */
    uint64_t reserved;
    int checked;
    uint64_t tier_end[WALLOC_TIER_COUNT]; /* native: tier i is [tier_end[i-1], tier_end[i]) */
#if !WALLOC_PLATFORM_RESERVES
    /* WebAssembly: per 64 KiB page of linear memory, which tier and segment own it, as
     * PAGE_OWNER(tier, segment), 0 for none: the O(1) handle lookup of the fast paths. */
    uint8_t *page_owner;
#endif
    struct tier tiers[WALLOC_TIER_COUNT];

    wl_mutex tc_lock;       /* guards the thread-cache list and their flushes */
    struct tcache *tcaches; /* caches of live threads that used this instance */
    struct checked_table *table;
    struct walloc *next_live; /* global list of live instances (thread_cache.c) */
};

/* WALLOC_OK when [h, h + n) lies inside what one tier of w has handed out; else
 * WALLOC_ERR_INVALID_HANDLE (in no tier) or WALLOC_ERR_OUT_OF_BOUNDS. */
walloc_status instance_check_range(const walloc *w, uint64_t h, uint64_t n);

/* size_class_for by table lookup (1 <= size <= small_max). Small sizes are expected: laid out
 * as the fall-through, they skip two taken jumps on the fast paths (~0.3 ns a pair at 256 B). */
static inline unsigned tier_class_of(const struct tier *t, uint64_t size)
{
    return __builtin_expect(size <= 1024, 1) ? t->class_lut[(size - 1) >> 3] : t->class_lut_big[(size - 1) >> 7];
}

/* The bytes a block for a request of req (>= 1) bytes really spans: its class size, or the
 * request rounded to WALLOC_LARGE_GRANULE above the tier's small_max. */
static inline uint64_t tier_block_size(const struct tier *t, uint64_t req)
{
    return req <= t->small_max ? t->class_size[tier_class_of(t, req)]
                               : (req + WALLOC_LARGE_GRANULE - 1) & ~(uint64_t)(WALLOC_LARGE_GRANULE - 1);
}

#if !WALLOC_PLATFORM_RESERVES
#define WASM_PAGE_SHIFT 16
#define WASM_PAGES (1u << 16)
#define PAGE_OWNER(tier, seg) ((uint8_t)(((seg) << 2 | (tier)) + 1))
#define PAGE_OWNER_TIER(e) (((unsigned)(e) - 1) & 3u)
#define PAGE_OWNER_SEG(e) (((unsigned)(e) - 1) >> 2)
#endif

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
