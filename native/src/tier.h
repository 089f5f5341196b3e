/*
 * tier.h - a tier's memory: its segments, the atomic bump head, growth, range checks.
 *
 * The bump head and the limit (end of usable memory in the current segment) are the only
 * shared words of the fast path here. Everything that changes the limit (commit natively, a
 * new segment in WebAssembly: handle_space.h) happens under grow_lock in wl_tier_bump_slow.
 */
#ifndef WALLOC_TIER_H
#define WALLOC_TIER_H

#include "internal.h"

/* Sets up an empty tier of capacity bytes whose memory starts at handle start (when the handle
 * space is one reservation: handle_space.h, which gives the tier its memory), keeping up to
 * retain bytes of free memory committed. */
void wl_tier_init(struct tier *t, walloc *owner, walloc_tier id, uint64_t start, uint64_t capacity,
               uint64_t retain);
void wl_tier_fini(struct tier *t);

/* Takes size bytes (a multiple of the alignment) from the bump head; WALLOC_NULL when the tier
 * is full. Lock-free unless memory must be committed or a segment added. */
uint64_t wl_tier_bump_slow(struct tier *t, uint64_t size);

static inline uint64_t tier_bump(struct tier *t, uint64_t size)
{
    uint64_t limit = atomic_load_explicit(&t->limit, memory_order_acquire);
    uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
    while (h <= limit && size <= limit - h) {
        if (atomic_compare_exchange_weak_explicit(&t->head, &h, h + size, memory_order_relaxed,
                                                  memory_order_relaxed))
            return h;
    }
    return wl_tier_bump_slow(t, size);
}

/* Takes bytes (whole pages) from the bump head, first moving it to a page boundary (it is off
 * one only after a compaction to an unaligned keep). WALLOC_NULL when
 * the tier is full. Caller holds the tier's large lock (large.c), which guards page state. A gap
 * left before the page boundary is free memory that no page-sized block can use. */
uint64_t wl_tier_bump_pages(struct tier *t, uint64_t bytes);

/* Gives [h, h + size) back to the bump head if it ends exactly at the head (the head moves
 * down). true when it did. Never moves the head out of the current segment. */
bool wl_tier_unbump(struct tier *t, uint64_t h, uint64_t size);

/* true when h lies in one of the tier's segments (handed out or not). */
bool wl_tier_contains(const struct tier *t, uint64_t h);

/* WALLOC_OK when [h, h + n) lies inside what the tier has handed out, WALLOC_ERR_OUT_OF_BOUNDS
 * when h is in the tier but the range is not, WALLOC_ERR_INVALID_HANDLE when h is not in it. */
walloc_status wl_tier_check_range(const struct tier *t, uint64_t h, uint64_t n);


/* The logical offset (from the tier's start, across segments) of handle h, which lies in the
 * tier; and the handle at logical offset off (at most the tier's used bytes). */
uint64_t wl_tier_offset_of(const struct tier *t, uint64_t h);
uint64_t wl_tier_handle_of(const struct tier *t, uint64_t off);

/* Bytes handed out by the bump head, counted from the tier's start across segments. */
uint64_t wl_tier_used(const struct tier *t);

/* Moves the head back to keep bytes from the start (keep <= wl_tier_used, aligned). Records the
 * peak first. Caller guarantees no allocation in this tier runs concurrently. */
void wl_tier_rewind(struct tier *t, uint64_t keep);

/* Statistics of the memory part: capacity, committed, bump_head, peak, wasted. */
void wl_tier_memory_stats(const struct tier *t, walloc_stats *out);

#endif
