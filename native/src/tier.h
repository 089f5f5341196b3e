/*
 * tier.h - a tier's memory: its segments, the atomic bump head, growth, range checks.
 *
 * The bump head and the limit (end of usable memory in the current segment) are the only
 * shared words of the fast path here. Everything that changes the limit (commit natively, a
 * new segment in WebAssembly) happens under grow_lock in tier_bump_slow.
 */
#ifndef WALLOC_TIER_H
#define WALLOC_TIER_H

#include "internal.h"

/* Sets up an empty tier of capacity bytes whose memory starts at handle start (native; ignored
 * in WebAssembly, where segments come from memory.grow). */
void tier_init(struct tier *t, walloc *owner, walloc_tier id, uint64_t start, uint64_t capacity);
void tier_fini(struct tier *t);

/* Takes size bytes (a multiple of the alignment) from the bump head; WALLOC_NULL when the tier
 * is full. Lock-free unless memory must be committed or a segment added. */
uint64_t tier_bump_slow(struct tier *t, uint64_t size);

static inline uint64_t tier_bump(struct tier *t, uint64_t size)
{
    uint64_t limit = atomic_load_explicit(&t->limit, memory_order_acquire);
    uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
    while (h <= limit && size <= limit - h) {
        if (atomic_compare_exchange_weak_explicit(&t->head, &h, h + size, memory_order_relaxed,
                                                  memory_order_relaxed))
            return h;
    }
    return tier_bump_slow(t, size);
}

/* Gives [h, h + size) back to the bump head if it ends exactly at the head (the head moves
 * down). true when it did. Never moves the head out of the current segment. */
bool tier_unbump(struct tier *t, uint64_t h, uint64_t size);

/* true when h lies in one of the tier's segments (handed out or not). */
bool tier_contains(const struct tier *t, uint64_t h);

/* WALLOC_OK when [h, h + n) lies inside what the tier has handed out, WALLOC_ERR_OUT_OF_BOUNDS
 * when h is in the tier but the range is not, WALLOC_ERR_INVALID_HANDLE when h is not in it. */
walloc_status tier_check_range(const struct tier *t, uint64_t h, uint64_t n);

#if !WALLOC_PLATFORM_RESERVES
/* WebAssembly: where what segment seg has handed out ends, given the tier's current segment cur:
 * the whole segment before cur, the bump head in cur. */
static inline uint64_t tier_seg_end(const struct tier *t, unsigned seg, unsigned cur)
{
    return seg < cur ? t->segs[seg].base + t->segs[seg].size
                     : atomic_load_explicit(&t->head, memory_order_relaxed);
}
#endif

/* true when a block of bsize bytes at h lies inside what the tier has handed out and is aligned
 * for it. The allocator checks every link it reads from free memory with this before following
 * it: free blocks are ordinary memory a careless (or hostile) caller can still write, and a
 * corrupted link must never send an allocation outside the tier. */
static inline bool tier_block_ok(const struct tier *t, uint64_t h, uint64_t bsize)
{
    if ((h & (t->align - 1)) != 0)
        return false;
#if WALLOC_PLATFORM_RESERVES
    uint64_t base = t->segs[0].base;
    uint64_t used = atomic_load_explicit(&t->head, memory_order_relaxed) - base, off = h - base;
    return off < used && bsize <= used - off;
#else
    uint8_t e = h < ((uint64_t)WASM_PAGES << WASM_PAGE_SHIFT) ? t->owner->page_owner[h >> WASM_PAGE_SHIFT] : 0;
    if (e == 0 || PAGE_OWNER_TIER(e) != (unsigned)t->id)
        return false;
    unsigned seg = PAGE_OWNER_SEG(e), cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    uint64_t end = tier_seg_end(t, seg, cur);
    return seg <= cur && h < end && bsize <= end - h;
#endif
}

#if WALLOC_PLATFORM_RESERVES
/* tier_block_ok for an h already known to be aligned and inside the tier's span (the free fast
 * path has established both). */
static inline bool tier_block_handed_out(const struct tier *t, uint64_t h, uint64_t bsize)
{
    return h + bsize <= atomic_load_explicit(&t->head, memory_order_relaxed); /* no overflow: h < 64 GiB */
}
#else
/* WebAssembly: tier_block_handed_out for an aligned h that the page map places in segment seg of
 * t (the free fast path has read the map already; one lookup instead of two). Segments start on
 * page boundaries, so h is at or above the segment's base. */
static inline bool tier_seg_block_handed_out(const struct tier *t, unsigned seg, uint64_t h, uint64_t bsize)
{
    unsigned cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    return seg <= cur && h + bsize <= tier_seg_end(t, seg, cur); /* no overflow: h < 4 GiB, bsize <= small_max */
}
#endif

/* Bytes handed out by the bump head, counted from the tier's start across segments. */
uint64_t tier_used(const struct tier *t);

/* Moves the head back to keep bytes from the start (keep <= tier_used, aligned). Records the
 * peak first. Caller guarantees no allocation in this tier runs concurrently. */
void tier_rewind(struct tier *t, uint64_t keep);

/* Statistics of the memory part: capacity, committed, bump_head, peak, wasted. */
void tier_memory_stats(const struct tier *t, walloc_stats *out);

#endif
