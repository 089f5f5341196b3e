/*
 * space_reserved.c - handle_space.h natively: one reservation per instance, in which each tier is
 * one segment [start, start + capacity) committed lazily, and free pages are given back to the
 * system page by page (a bit per page of the tier records which are).
 */
#include "handle_space.h"

#include "block.h"
#include "page_map.h"

/* Commit at least this much at a time (one mprotect per step, not per page). */
#define COMMIT_STEP_MIN (256u * 1024u)

_Static_assert(COMMIT_STEP_MIN % WALLOC_PAGE == 0, "commits are whole pages of the bitmap (WALLOC_PAGE)");

uint64_t wl_space_max_capacity(void)
{
    return UINT64_C(64) << 30;
}

static size_t bitmap_bytes(const struct tier *t)
{
    return (size_t)((t->capacity / WALLOC_PAGE + 63) / 64 * sizeof *t->decommitted);
}

bool wl_space_open(walloc *w)
{
    uint64_t bytes = 0;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        struct tier *t = &w->tiers[i];
        t->segs[0].base = t->start;
        t->segs[0].size = t->capacity;
        atomic_store_explicit(&t->seg_count, 1, memory_order_relaxed);
        atomic_store_explicit(&t->head, t->start, memory_order_relaxed);
        atomic_store_explicit(&t->limit, t->start, memory_order_relaxed); /* nothing committed yet */
        bytes = t->start + t->capacity;
    }
    w->reserved = bytes;
    if ((w->base = wl_platform_reserve(bytes)) == NULL || !wl_page_map_init(w, bytes))
        return false;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++)
        if ((w->tiers[i].decommitted = wl_platform_zeroed_alloc(bitmap_bytes(&w->tiers[i]))) == NULL)
            return false;
    return true;
}

void wl_space_close(walloc *w)
{
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        struct tier *t = &w->tiers[i];
        if (t->decommitted != NULL)
            wl_platform_zeroed_free(t->decommitted, bitmap_bytes(t));
        t->decommitted = NULL;
    }
    wl_page_map_fini(w);
}

void wl_space_tier_range(const walloc *w, walloc_tier tier, uint64_t *start, uint64_t *end)
{
    *start = w->tiers[tier].start;
    *end = w->tiers[tier].start + w->tiers[tier].capacity;
}

bool wl_space_grow(struct tier *t, uint64_t size)
{
    const struct segment *s = &t->segs[0];
    uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
    uint64_t limit = atomic_load_explicit(&t->limit, memory_order_relaxed);
    if (h > UINT64_MAX - size || h + size > s->base + s->size)
        return false;
    uint64_t need_end = h + size;
    uint64_t committed = limit - s->base;
    uint64_t step = committed / 4 > COMMIT_STEP_MIN ? committed / 4 : COMMIT_STEP_MIN;
    uint64_t new_limit = align_up(need_end > limit + step ? need_end : limit + step, wl_platform_page_size());
    if (new_limit > s->base + s->size)
        new_limit = s->base + s->size;
    uint8_t *p = (uint8_t *)handle_ptr(t->owner, limit);
    if (!wl_platform_commit(p, new_limit - limit))
        return false;
    block_poison(p, new_limit - limit); /* nothing in it is allocated yet */
    counter_add(&t->committed, new_limit - limit);
    atomic_store_explicit(&t->limit, new_limit, memory_order_release);
    return true;
}

void wl_space_rewound(struct tier *t)
{
    (void)t; /* the limit (committed end) stays: committed memory is kept for reuse */
}

/* ------------------------------------------------------------------ giving pages back ------ */

/* Pages [h, h + bytes) of the tier in the bitmap: first bit and count. */
static void page_bits(const struct tier *t, uint64_t h, uint64_t bytes, uint64_t *first, uint64_t *n)
{
    *first = (h - t->start) >> WALLOC_PAGE_SHIFT;
    *n = bytes >> WALLOC_PAGE_SHIFT;
}

/* Marks pages [h, h + bytes) decommitted (or committed) in the bitmap; returns the bytes of
 * the pages whose mark changed. */
static uint64_t mark_pages(struct tier *t, uint64_t h, uint64_t bytes, bool decommitted)
{
    if (t->decommitted == NULL || bytes == 0)
        return 0;
    uint64_t first, n, changed = 0;
    page_bits(t, h, bytes, &first, &n);
    for (uint64_t i = first; i < first + n; i++) {
        uint64_t bit = UINT64_C(1) << (i % 64);
        if (((t->decommitted[i / 64] & bit) != 0) != decommitted) {
            t->decommitted[i / 64] ^= bit;
            changed++;
        }
    }
    return changed << WALLOC_PAGE_SHIFT;
}

uint64_t wl_space_reuse_pages(struct tier *t, uint64_t h, uint64_t bytes)
{
    uint64_t was = mark_pages(t, h, bytes, false);
    counter_add(&t->committed, was);
    return was;
}

uint64_t wl_space_decommitted_in(const struct tier *t, uint64_t h, uint64_t bytes)
{
    if (t->decommitted == NULL || bytes == 0)
        return 0;
    uint64_t first, n, count = 0;
    page_bits(t, h, bytes, &first, &n);
    for (uint64_t i = first; i < first + n; i++)
        count += (t->decommitted[i / 64] >> (i % 64)) & 1;
    return count << WALLOC_PAGE_SHIFT;
}

uint64_t wl_space_give_back(struct tier *t, uint64_t h, uint64_t bytes)
{
    uint64_t now = mark_pages(t, h, bytes, true);
    if (now != 0) {
        wl_platform_decommit(handle_ptr(t->owner, h), bytes);
        counter_sub(&t->committed, now);
    }
    return now;
}

/* Keeps a tier's retain bytes of free memory committed above keep_h (less the free extents it
 * holds), and gives the rest up to the committed end back. */
void wl_space_give_back_above(struct tier *t, uint64_t keep_h)
{
    uint64_t keep_free = t->retain > t->large.resident ? t->retain - t->large.resident : 0;
    uint64_t from = align_up(keep_h, WALLOC_PAGE) + align_up(keep_free, WALLOC_PAGE);
    uint64_t end = atomic_load_explicit(&t->limit, memory_order_relaxed);
    if (from < end)
        wl_space_give_back(t, from, end - from);
}
