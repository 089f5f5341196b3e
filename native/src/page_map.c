/*
 * page_map.c - which span each page of an instance's handle space belongs to. See page_map.h.
 */
#include "page_map.h"

bool wl_page_map_init(walloc *w, uint64_t bytes)
{
    w->npages = bytes >> WALLOC_PAGE_SHIFT;
    w->page_span = NULL;
    if (w->npages == 0)
        return true;
    w->page_span = wl_platform_zeroed_alloc(w->npages * sizeof *w->page_span);
    return w->page_span != NULL;
}

void wl_page_map_fini(walloc *w)
{
    if (w->page_span != NULL)
        wl_platform_zeroed_free(w->page_span, w->npages * sizeof *w->page_span);
    w->page_span = NULL;
    w->npages = 0;
}

bool wl_page_map_cover(walloc *w, uint64_t bytes)
{
    uint64_t n = (bytes + WALLOC_PAGE - 1) >> WALLOC_PAGE_SHIFT;
    if (n <= w->npages)
        return true;
    /* With threads the map never moves: span_at reads it without a lock, and other tiers set
     * entries in it under their own locks while this one would copy it (their entries would be
     * lost). Such a map was made for all the memory growth may reach (wl_page_map_init); memory
     * beyond it is refused. */
    if (WALLOC_THREADS)
        return false;
    /* Grow geometrically, up to what 4 GiB of linear memory needs. */
    uint64_t most = (UINT64_C(1) << 32) >> WALLOC_PAGE_SHIFT;
    if (n < 2 * w->npages)
        n = 2 * w->npages < most ? 2 * w->npages : most;
    _Atomic(struct span *) *map = wl_platform_zeroed_alloc(n * sizeof *map);
    if (map == NULL)
        return false;
    for (uint64_t i = 0; i < w->npages; i++)
        atomic_init(&map[i], atomic_load_explicit(&w->page_span[i], memory_order_relaxed));
    _Atomic(struct span *) *old = w->page_span;
    uint64_t old_n = w->npages;
    w->page_span = map;
    w->npages = n;
    if (old != NULL)
        wl_platform_zeroed_free(old, old_n * sizeof *old);
    return true;
}

void wl_page_map_set(walloc *w, uint64_t h, uint32_t pages, struct span *s)
{
    uint64_t first = h >> WALLOC_PAGE_SHIFT;
    for (uint32_t i = 0; i < pages; i++)
        atomic_store_explicit(&w->page_span[first + i], s, memory_order_release);
}
