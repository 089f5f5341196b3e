/*
 * bins.c - the bins' slow side: setting them up, emptying them into their spans, counting them.
 * See bins.h; the fast paths (walloc.c) push and pop.
 */
#include "bins.h"

#include "internal.h"
#include "page_map.h"
#include "span.h"
#include "thread_cache.h"

_Static_assert(BIN_CLASSES <= 255u, "class_of is a uint8_t table holding a class or the sentinel BIN_CLASSES");

void wl_bins_init(struct bins *bs, const struct tier *t)
{
    if (!WALLOC_BINS)
        return;
    for (unsigned c = 0; c <= BIN_CLASSES; c++) {
        struct bin *b = &bs->bin[t->id][c];
        uint32_t cap = c < t->class_count && t->class_size[c] <= t->small_max ? BIN_BYTES / t->class_size[c] : 0;
        b->top = 0;
        b->pops = b->fills = 0;
        b->cap = c == BIN_CLASSES ? 0 : cap < 1 ? 1 : cap > BIN_SLOTS ? BIN_SLOTS : cap;
    }
    for (unsigned j = 0; j < BIN_DIRECT_SLOTS; j++) {
        uint32_t size = 8 * (j + 1);
        bs->class_of[t->id][j] = size <= t->small_max ? (uint8_t)tier_class_of(t, size) : (uint8_t)BIN_CLASSES;
    }
}

uint64_t wl_bins_refill(walloc *w, struct tcache *tc, struct tier *t, unsigned c)
{
    uint64_t h = wl_tcache_alloc(tc, t, c);
    if (h != WALLOC_NULL) {
        struct bin *b = &w->bins.bin[t->id][c];
        uint64_t *more = &b->slot[b->top];
        uint32_t n = wl_tcache_alloc_current(tc, t, c, more, b->cap / 2 > b->top ? b->cap / 2 - b->top : 0);
        for (uint32_t i = 0; i < n / 2; i++) { /* taken in address order: popped in it too */
            uint64_t x = more[i];
            more[i] = more[n - 1 - i];
            more[n - 1 - i] = x;
        }
        b->top += n;
        b->fills += n;
    }
    return h;
}

/* Frees the top n blocks of bin b of tier t into their spans. */
static void unbin(walloc *w, struct tier *t, struct bin *b, uint32_t n)
{
    for (; n != 0; n--) {
        uint64_t h = b->slot[--b->top];
        struct span *s = span_at(w, h);
        wl_tcache_free(w, atomic_load_explicit(&s->owner, memory_order_relaxed), t, s, h - s->lo);
    }
}

uint64_t wl_bins_flush(walloc *w, walloc_tier tier)
{
    uint64_t moved = 0;
    for (unsigned c = 0; c < BIN_CLASSES; c++) {
        struct bin *b = &w->bins.bin[tier][c];
        moved += b->top;
        unbin(w, &w->tiers[tier], b, b->top);
    }
    return moved;
}

void wl_bins_count(const walloc *w, walloc_tier tier, uint64_t *blocks, uint64_t *bytes, int64_t *allocs)
{
    *blocks = *bytes = 0;
    *allocs = 0;
    const struct tier *t = &w->tiers[tier];
    for (unsigned c = 0; c < BIN_CLASSES; c++) {
        const struct bin *b = &w->bins.bin[tier][c];
        *blocks += b->top;
        *bytes += (uint64_t)b->top * t->class_size[c];
        *allocs += (int64_t)(b->pops - b->fills);
    }
}
