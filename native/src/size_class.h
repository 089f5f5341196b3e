/*
 * size_class.h - size classes of a tier.
 *
 * Sizes are counted in granules of the tier's alignment (8, 64 or 128 bytes). Up to 8 granules
 * every granule count is its own class; above, each power of two is split in four steps, so a
 * request is rounded up by less than a quarter of its size (plus the tier's alignment, which no
 * allocator of that alignment can avoid). A class is always >= the request: a freed block is
 * only ever reused for a request it fits.
 *
 *   granules g <= 8:         class g - 1, size g granules
 *   g in (2^p, 2^(p+1)]:     step 2^(p-2), size round_up(g, step), class 8 + 4(p-3) + k - 1
 */
#ifndef WALLOC_SIZE_CLASS_H
#define WALLOC_SIZE_CLASS_H

#include <stdint.h>

/* Largest size served by size classes (from spans); larger blocks take whole pages (large.c).
 * A thread keeps a span for each class it allocates: with classes up to 8 KiB, a span of 64 KiB
 * holds at least 8 blocks, and what idle threads keep stays small. */
#define WALLOC_MAX_CLASS_SIZE (8u * 1024u)
/* Classes of the tier with the smallest alignment (8 B): 8 B .. 8 KiB. */
#define WALLOC_CLASS_COUNT_MAX 36u

/* The class of a request of size bytes (1 <= size <= WALLOC_MAX_CLASS_SIZE). */
static inline unsigned size_class_for(uint64_t size, unsigned align_shift)
{
    uint64_t g = (size + (1u << align_shift) - 1) >> align_shift;
    if (g <= 8)
        return (unsigned)g - 1;
    unsigned p = 63u - (unsigned)__builtin_clzll(g - 1);
    return 8u + 4u * (p - 3u) + (unsigned)((g - 1) >> (p - 2u)) - 4u;
}

/* The block size of class c. */
static inline uint64_t size_class_size(unsigned c, unsigned align_shift)
{
    if (c < 8)
        return (uint64_t)(c + 1) << align_shift;
    unsigned j = c - 8u, p = 3u + j / 4u, k = j % 4u + 1u;
    return ((uint64_t)(4u + k) << (p - 2u)) << align_shift;
}

/* Number of classes a tier of this alignment has. */
static inline unsigned size_class_count(unsigned align_shift)
{
    return size_class_for(WALLOC_MAX_CLASS_SIZE, align_shift) + 1u;
}

#endif
