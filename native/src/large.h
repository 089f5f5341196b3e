/*
 * large.h - blocks above the largest size class.
 *
 * Sizes are rounded to WALLOC_LARGE_GRANULE. Free extents are kept address-ordered with their
 * header (size, next, a check word; large.c) inside them, and a freed block is merged with free
 * neighbours on both sides; an extent that ends at the bump head gives its memory back to the
 * head. So a long workload of mixed large sizes reuses memory instead of pushing the head up.
 * One mutex per tier: large blocks are few and their cost is dominated by touching their
 * memory. Spans take their pages from the same extents, so memory freed by any size serves
 * every other.
 */
#ifndef WALLOC_LARGE_H
#define WALLOC_LARGE_H

#include "internal.h"

/* All sizes are multiples of WALLOC_PAGE. Both take the tier's large lock.
 *
 * wl_large_pages: pages for a span (a large block is a span of one block): best fit among the free
 *   extents, else the bump head. WALLOC_NULL when nothing fits.
 * wl_large_free_pages: gives them back, merged with free neighbours; an extent that ends at the
 *   bump head lowers the head instead; free memory beyond the tier's retain goes back to the
 *   system (except each extent's first page, which holds its header). */
uint64_t wl_large_pages(struct tier *t, uint64_t size);
void wl_large_free_pages(struct tier *t, uint64_t h, uint64_t size);

/* Compaction: forgets the free memory at and above keep (extents above are dropped, one that
 * straddles is shortened to the page below keep). Caller holds the large lock; tier quiescent. */
void wl_large_cut(struct tier *t, uint64_t keep);

static inline uint64_t large_round(uint64_t size)
{
    return (size + WALLOC_LARGE_GRANULE - 1) & ~(uint64_t)(WALLOC_LARGE_GRANULE - 1);
}

#endif
