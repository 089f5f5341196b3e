/*
 * page_map.h - which span each page of an instance's handle space belongs to.
 *
 * One pointer per WALLOC_PAGE of handles (NULL: no span: free memory or outside every tier),
 * so the free fast path finds a block's span with one load. A large block maps all its pages
 * (O(pages) when it comes and goes, next to the cost of committing them).
 * Natively the map covers the whole reservation, in memory that costs RAM only where written;
 * in WebAssembly it covers linear memory up to the highest segment of the instance and grows
 * with it (the threads build: up to linear memory's limit from the start, so that it never moves
 * under a reader). Entries change under the owning tier's locks and are read by any thread.
 */
#ifndef WALLOC_PAGE_MAP_H
#define WALLOC_PAGE_MAP_H

#include "internal.h"

/* Sets up w's map for handles below bytes (0: an empty map that wl_page_map_cover grows). */
bool wl_page_map_init(walloc *w, uint64_t bytes);
void wl_page_map_fini(walloc *w);
/* Makes the map cover handles below bytes (WebAssembly, as memory grows). false: no memory. */
bool wl_page_map_cover(walloc *w, uint64_t bytes);
/* Points the pages of [h, h + pages pages) at s (NULL to clear). */
void wl_page_map_set(walloc *w, uint64_t h, uint32_t pages, struct span *s);

/* The span whose pages hold handle h, or NULL. */
static inline struct span *span_at(const walloc *w, uint64_t h)
{
    uint64_t i = h >> WALLOC_PAGE_SHIFT;
    return i < w->npages ? atomic_load_explicit(&w->page_span[i], memory_order_relaxed) : NULL;
}

#endif
