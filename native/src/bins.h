/*
 * bins.h - builds without threads (WebAssembly): per tier and size class, a short stack of
 * blocks the one thread freed, in front of the spans.
 *
 * Why: a span's free list is linked through the free blocks, so an allocation that follows a
 * free waits on a chain of memory round trips (the list head, the link inside the block, the
 * head again, the span's count); a stack of handles waits on one (its top). And with one thread
 * the stacks belong to the instance, so an allocation from them needs no thread-cache lookup.
 * In wasm, where every allocation and free is a call the engine may not inline, that is most
 * of an allocate+free pair (bench/wasm/NOTES.md). With threads, blocks in one thread's stack
 * would be out of reach of the others, so native builds have no bins.
 *
 * A binned block is free for the caller but still counted as used by its span, so:
 *   - a bin holds a few blocks (BIN_SLOTS, fewer of large classes: BIN_BYTES), and the span can
 *     empty, and its pages serve other classes, once the bin is emptied into it;
 *   - wl_bins_flush empties a tier's bins into their spans when the tier runs out of room (before
 *     an allocation fails) and before a reset or compaction of the tier;
 *   - statistics subtract binned blocks (wl_bins_count).
 * Only the free fast path fills a bin (a block of a span the thread's cache owns, of an unchecked
 * instance), so checked blocks and samples of a profile never enter one; and a bin keeps
 * handles, not links inside freed memory, so a write into a freed block cannot corrupt it.
 */
#ifndef WALLOC_BINS_H
#define WALLOC_BINS_H

#include <stdbool.h>
#include <stdint.h>

#include "lock.h"
#include "size_class.h"
#include "walloc.h"

#define WALLOC_BINS (!WALLOC_THREADS)

#define BIN_SLOTS 16u
#define BIN_BYTES 16384u
/* Requests up to this size look up their bin in a table (8-byte steps). */
#define BIN_DIRECT_MAX WALLOC_MAX_CLASS_SIZE

struct bin {
    uint32_t top;   /* blocks held */
    uint32_t cap;   /* at most this many (0: the sentinel, and classes the tier lacks) */
    uint64_t pops;  /* allocations it served */
    uint64_t fills; /* blocks it took from spans (which counted them as allocations) */
    uint64_t slot[BIN_SLOTS];
};

/* Sized for builds with bins; elsewhere one class that stays empty. */
#define BIN_CLASSES (WALLOC_BINS ? WALLOC_CLASS_COUNT_MAX : 1u)
#define BIN_DIRECT_SLOTS (WALLOC_BINS ? BIN_DIRECT_MAX / 8u : 1u)

struct bins {
    /* tier, (size - 1) / 8 -> the request's class; BIN_CLASSES (an always empty bin) where
     * there is none (sizes the tier serves as large blocks). */
    uint8_t class_of[WALLOC_TIER_COUNT][BIN_DIRECT_SLOTS];
    struct bin bin[WALLOC_TIER_COUNT][BIN_CLASSES + 1];
};

/* Pops a block from bin b into *out; false when b is empty. */
static inline bool bin_pop(struct bin *b, uint64_t *out)
{
    uint32_t n = b->top;
    if (n == 0)
        return false;
    b->top = n - 1;
    b->pops++;
    *out = b->slot[n - 1];
    return true;
}

/* Pushes block h (checked by the caller: a block of this bin's class, of a span of the calling
 * thread); false when the bin is full. */
static inline bool bin_push(struct bin *b, uint64_t h)
{
    uint32_t n = b->top;
    if (n >= b->cap)
        return false;
    b->slot[n] = h;
    b->top = n + 1;
    return true;
}

struct tier;

/* Sets up the bins of tier t (its classes known): empty. */
void wl_bins_init(struct bins *bs, const struct tier *t);

struct tcache;

/* A block of class c of tier t for the allocation slow path, from the calling thread's cache tc,
 * and up to half a bin more of the same span into c's bin, so that the next allocations of c
 * take the fast path; WALLOC_NULL when the tier has no room. w unchecked. */
uint64_t wl_bins_refill(walloc *w, struct tcache *tc, struct tier *t, unsigned c);

/* Empties the bins of tier into their spans; how many blocks it moved. The calling thread is
 * the one thread of a build with bins. */
uint64_t wl_bins_flush(walloc *w, walloc_tier tier);

/* What the bins of tier hold (blocks, their bytes) and how many allocations they served beyond
 * what the spans counted (pops less fills: may be negative until the filled blocks go out). */
void wl_bins_count(const walloc *w, walloc_tier tier, uint64_t *blocks, uint64_t *bytes, int64_t *allocs);

#endif
