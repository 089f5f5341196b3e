/*
 * window_sizes.h - the block sizes of the window loops (bench_walloc.c, bench_peer.c, bench_mt.c,
 * bench_peer_mt.c): 16..527 bytes from one fixed sequence, so every allocator gets the same
 * requests in the same order.
 */
#ifndef WALLOC_BENCH_WINDOW_SIZES_H
#define WALLOC_BENCH_WINDOW_SIZES_H

#include <stdint.h>

/* The next size of the sequence whose state is *s (start it at 12345). */
static inline uint32_t window_next_size(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return 16 + (*s >> 16) % 512;
}

#endif
