/*
 * handle_space.h - the memory behind an instance's handles: the one place where the native and
 * the WebAssembly memory models differ. The build compiles one implementation:
 *
 *   space_reserved.c (native; native/CMakeLists.txt): one reservation per instance, the tiers one
 *     after another in it (Top, Middle, Bottom), each a single segment committed lazily as its
 *     bump head advances; free pages can be given back to the system (a bitmap per tier).
 *   space_segments.c (WebAssembly; wasm-emscripten/build.sh, bench/wasm/build.sh): linear
 *     memory only grows at its end, so a tier is a chain of segments taken from memory.grow as
 *     it fills; nothing is ever given back (memory cannot shrink).
 *
 * The tier code (tier.c) works over a chain of segments, which natively is always one long. The
 * allocation fast paths call nothing here: only the bump head's slow path, reset/compact, large
 * blocks (page bookkeeping), and an instance's creation and destruction do.
 */
#ifndef WALLOC_HANDLE_SPACE_H
#define WALLOC_HANDLE_SPACE_H

#include "internal.h"

/* The largest capacity an instance may have (64 GiB native, 4 GiB WebAssembly). */
uint64_t wl_space_max_capacity(void);

/* Sets up the memory of w, whose tiers are initialised (wl_tier_init: start and capacity): the
 * page map, and natively the reservation, each tier's one segment and its given-back bitmap.
 * false when out of memory or address space; what was taken is freed by wl_space_close. */
bool wl_space_open(walloc *w);
/* Frees what wl_space_open took, except the reservation (walloc_region_release): the page map,
 * natively the bitmaps, in WebAssembly the tiers' segments (kept by the platform for reuse). */
void wl_space_close(walloc *w);

/* The handles tier may ever hold: [*start, *end). */
void wl_space_tier_range(const walloc *w, walloc_tier tier, uint64_t *start, uint64_t *end);

/* Under the tier's grow_lock, when size bytes do not fit between the head and the limit: makes
 * room (natively commits more of the segment; in WebAssembly moves the head to the next segment
 * that fits, appending one from memory.grow when none does). false when the tier is full. */
bool wl_space_grow(struct tier *t, uint64_t size);
/* The head moved back (wl_tier_rewind; cur_seg and head set): fixes the limit to match. */
void wl_space_rewound(struct tier *t);

/* Page state, under the tier's large lock (WebAssembly: nothing is ever given back, all 0).
 *   wl_space_give_back: gives the pages of [h, h + bytes) back to the system (wl_platform_decommit:
 *     they stay accessible and read zeros, or on Windows unspecified bytes); returns the bytes
 *     that were still committed.
 *   wl_space_reuse_pages: pages of [h, h + bytes) are in use again: counts them committed;
 *     returns the bytes that had been given back.
 *   wl_space_decommitted_in: bytes of [h, h + bytes) given back. */
uint64_t wl_space_give_back(struct tier *t, uint64_t h, uint64_t bytes);
uint64_t wl_space_reuse_pages(struct tier *t, uint64_t h, uint64_t bytes);
uint64_t wl_space_decommitted_in(const struct tier *t, uint64_t h, uint64_t bytes);
/* After a rewind to handle keep_h: gives the committed memory above it back to the system,
 * except what the tier retains (its retain, less the free extents it still holds). Under the
 * large lock. */
void wl_space_give_back_above(struct tier *t, uint64_t keep_h);

#endif
