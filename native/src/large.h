/*
 * large.h - blocks above the largest size class.
 *
 * Sizes are rounded to WALLOC_LARGE_GRANULE. Free extents are kept address-ordered with their
 * header (size, next) inside them, and a freed block is merged with free neighbours on both
 * sides; an extent that ends at the bump head gives its memory back to the head. So a long
 * workload of mixed large sizes reuses memory instead of pushing the head up. One mutex per
 * tier: large blocks are few and their cost is dominated by touching their memory.
 */
#ifndef WALLOC_LARGE_H
#define WALLOC_LARGE_H

#include "internal.h"

/* size: a multiple of WALLOC_LARGE_GRANULE. Best fit among free extents, else the bump head. */
uint64_t large_alloc(struct tier *t, uint64_t size);

/* Takes size bytes (a multiple of WALLOC_LARGE_GRANULE) from the free extents only, best fit;
 * WALLOC_NULL when none fits. Small-class paths use it once the bump head has no room, so
 * freed large blocks serve small requests too. */
uint64_t large_take(struct tier *t, uint64_t size);

/* Returns [h, h + size) (size rounded as for large_alloc) to the tier. */
void large_free(struct tier *t, uint64_t h, uint64_t size);

/* Forgets every free extent (reset/compact). */
void large_clear(struct tier *t);

static inline uint64_t large_round(uint64_t size)
{
    return (size + WALLOC_LARGE_GRANULE - 1) & ~(uint64_t)(WALLOC_LARGE_GRANULE - 1);
}

#endif
