/*
 * space_segments.c - handle_space.h for WebAssembly: handles are addresses in linear memory
 * (base 0), which only grows at its end and never shrinks, so each tier is a chain of segments
 * taken from memory.grow (wl_platform_grow) as it fills, and no page is ever given back.
 */
#include "handle_space.h"

#include "block.h"
#include "page_map.h"

/* First segment of a tier; later ones double the tier's size so far. */
#define SEGMENT_MIN (64u * 1024u)

_Static_assert(SEGMENT_MIN % WALLOC_PAGE == 0, "segments are whole pages of the page map (WALLOC_PAGE)");

uint64_t wl_space_max_capacity(void)
{
    return UINT64_C(4) << 30;
}

bool wl_space_open(walloc *w)
{
    /* Tiers start with no segment, and the map grows with memory; with threads it never moves
     * (wl_page_map_cover), so it covers all the memory growth may reach from the start. */
    return wl_page_map_init(w, WALLOC_THREADS ? wl_platform_grow_limit() : 0);
}

void wl_space_close(walloc *w)
{
    /* Memory cannot shrink: the platform keeps the segments for reuse. */
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        const struct tier *t = &w->tiers[i];
        for (uint32_t k = 0; k < atomic_load_explicit(&t->seg_count, memory_order_relaxed); k++)
            wl_platform_release(handle_ptr(w, t->segs[k].base), t->segs[k].size);
    }
    wl_page_map_fini(w);
}

void wl_space_tier_range(const walloc *w, walloc_tier tier, uint64_t *start, uint64_t *end)
{
    (void)w, (void)tier; /* segments may lie anywhere in 32-bit linear memory */
    *start = 0;
    *end = (uint64_t)1 << 32;
}

/* Closes the current segment and moves to the next one that fits size, appending a new segment
 * from memory.grow when none does. Closed segments record their unused tail. */
bool wl_space_grow(struct tier *t, uint64_t size)
{
    uint32_t count = atomic_load_explicit(&t->seg_count, memory_order_relaxed);
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; i++)
        total += t->segs[i].size;
    uint32_t next = count == 0 ? 0 : cur + 1;
    while (next < count && t->segs[next].size < size)
        next++; /* too small for this request: skipped (wasted until a rewind) */
    if (next == count) {
        uint64_t room = t->capacity - total;
        uint64_t want = total > SEGMENT_MIN ? total : SEGMENT_MIN;
        want = align_up(want > size ? want : size, wl_platform_page_size());
        if (want > room)
            want = room;
        if (size > want || count == WALLOC_MAX_SEGMENTS)
            return false;
        uint64_t addr = wl_platform_grow(want);
        if (addr == UINT64_MAX)
            return false;
        if (!wl_page_map_cover(t->owner, addr + want)) {
            wl_platform_release(handle_ptr(t->owner, addr), want);
            return false;
        }
        block_poison(handle_ptr(t->owner, addr), want);
        counter_add(&t->committed, want);
        struct segment *last = count > 0 ? &t->segs[count - 1] : NULL;
        if (last != NULL && next == count && cur == count - 1 && addr == last->base + last->size &&
            last->size % wl_platform_page_size() == 0) {
            /* The new memory follows the current segment: extend it, so blocks on both sides
             * of the old end stay neighbours (large blocks coalesce across it). */
            last->size += want;
            atomic_store_explicit(&t->limit, last->base + last->size, memory_order_release);
            return true;
        }
        t->segs[count].base = addr;
        t->segs[count].size = want;
        t->segs[count].tail = 0;
        atomic_store_explicit(&t->seg_count, count + 1, memory_order_release);
    }
    uint64_t used_before = counter_get(&t->used_before_cur);
    if (count > 0) {
        struct segment *s = &t->segs[cur];
        uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
        s->tail = s->base + s->size - h;
        used_before += s->size;
        for (uint32_t i = cur + 1; i < next; i++) {
            t->segs[i].tail = t->segs[i].size;
            used_before += t->segs[i].size;
        }
    }
    atomic_store_explicit(&t->cur_seg, next, memory_order_relaxed);
    atomic_store_explicit(&t->used_before_cur, used_before, memory_order_relaxed);
    atomic_store_explicit(&t->head, t->segs[next].base, memory_order_relaxed);
    atomic_store_explicit(&t->limit, t->segs[next].base + t->segs[next].size,
                          memory_order_release);
    return true;
}

void wl_space_rewound(struct tier *t)
{
    /* The current segment is open again to its end. */
    const struct segment *s = &t->segs[atomic_load_explicit(&t->cur_seg, memory_order_relaxed)];
    atomic_store_explicit(&t->limit, s->base + s->size, memory_order_release);
}

uint64_t wl_space_give_back(struct tier *t, uint64_t h, uint64_t bytes)
{
    (void)t, (void)h, (void)bytes;
    return 0;
}

uint64_t wl_space_reuse_pages(struct tier *t, uint64_t h, uint64_t bytes)
{
    (void)t, (void)h, (void)bytes;
    return 0;
}

uint64_t wl_space_decommitted_in(const struct tier *t, uint64_t h, uint64_t bytes)
{
    (void)t, (void)h, (void)bytes;
    return 0;
}

void wl_space_give_back_above(struct tier *t, uint64_t keep_h)
{
    (void)t, (void)keep_h;
}
