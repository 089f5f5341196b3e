/*
 * large.c - coalescing free extents for large blocks. See large.h.
 */
#include "large.h"

#include "block.h"
#include "tier.h"

/* Extent header words. */
#define EXT_SIZE 0
#define EXT_NEXT 1

static uint64_t ext_get(const struct tier *t, uint64_t h, unsigned word)
{
    return block_word_load(handle_ptr(t->owner, h), word);
}

static void ext_set(const struct tier *t, uint64_t h, unsigned word, uint64_t v)
{
    block_word_store(handle_ptr(t->owner, h), word, v);
}

/* Points pred's link (or the list head when pred is WALLOC_NULL) at next. */
static void ext_link(struct tier *t, uint64_t pred, uint64_t next)
{
    if (pred == WALLOC_NULL)
        t->large.first = next;
    else
        ext_set(t, pred, EXT_NEXT, next);
}

uint64_t large_alloc(struct tier *t, uint64_t size)
{
    struct large_free *lf = &t->large;
    uint64_t result = WALLOC_NULL;
    wl_lock(&lf->lock);
    uint64_t best = WALLOC_NULL, best_pred = WALLOC_NULL, best_size = UINT64_MAX;
    for (uint64_t pred = WALLOC_NULL, cur = lf->first; cur != WALLOC_NULL;
         pred = cur, cur = ext_get(t, cur, EXT_NEXT)) {
        uint64_t s = ext_get(t, cur, EXT_SIZE);
        if (s >= size && s < best_size) {
            best = cur, best_pred = pred, best_size = s;
            if (s == size)
                break;
        }
    }
    if (best != WALLOC_NULL) {
        if (best_size == size) {
            ext_link(t, best_pred, ext_get(t, best, EXT_NEXT));
            lf->count--;
            result = best;
        } else { /* take the end: the extent keeps its place in the list */
            ext_set(t, best, EXT_SIZE, best_size - size);
            result = best + best_size - size;
        }
        counter_sub(&lf->bytes, size);
    }
    wl_unlock(&lf->lock);
    return result != WALLOC_NULL ? result : tier_bump(t, size);
}

void large_free(struct tier *t, uint64_t h, uint64_t size)
{
    struct large_free *lf = &t->large;
    wl_lock(&lf->lock);
    uint64_t pred2 = WALLOC_NULL, pred = WALLOC_NULL, cur = lf->first;
    while (cur != WALLOC_NULL && cur < h) {
        pred2 = pred;
        pred = cur;
        cur = ext_get(t, cur, EXT_NEXT);
    }
    uint64_t node, node_pred, len;
    uint64_t next = cur;
    uint64_t grow = size;
    if (cur != WALLOC_NULL && h + size == cur) { /* merge with the extent after */
        grow += ext_get(t, cur, EXT_SIZE);
        next = ext_get(t, cur, EXT_NEXT);
        lf->count--;
    }
    if (pred != WALLOC_NULL && pred + ext_get(t, pred, EXT_SIZE) == h) { /* and the one before */
        node = pred, node_pred = pred2;
        len = ext_get(t, pred, EXT_SIZE) + grow;
    } else {
        node = h, node_pred = pred;
        len = grow;
        ext_link(t, pred, h);
        lf->count++;
    }
    ext_set(t, node, EXT_SIZE, len);
    ext_set(t, node, EXT_NEXT, next);
    counter_add(&lf->bytes, size);
    /* The extent touches the bump head: lower the head instead of keeping the extent. */
    if (next == WALLOC_NULL && tier_unbump(t, node, len)) {
        ext_link(t, node_pred, WALLOC_NULL);
        lf->count--;
        counter_sub(&lf->bytes, len);
    }
    wl_unlock(&lf->lock);
}

void large_clear(struct tier *t)
{
    wl_lock(&t->large.lock);
    t->large.first = WALLOC_NULL;
    t->large.count = 0;
    atomic_store_explicit(&t->large.bytes, 0, memory_order_relaxed);
    wl_unlock(&t->large.lock);
}
