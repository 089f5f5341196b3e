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

/* An extent's header, as read once. */
struct ext {
    uint64_t size, next;
};

/* An extent header can be overwritten by a caller that writes into freed memory, even while
 * the list is walked. So each header is read once, into *e, and only those values are used: an
 * extent is believed only if it is a block of the tier and its successor lies above it;
 * otherwise the list is cut before it (its memory stays unusable until a reset) and the byte
 * count redone. */
static bool ext_read(const struct tier *t, uint64_t h, struct ext *e)
{
    if (!tier_block_ok(t, h, 2 * sizeof(uint64_t))) /* before reading the header at all */
        return false;
    e->size = ext_get(t, h, EXT_SIZE);
    e->next = ext_get(t, h, EXT_NEXT);
    return e->size > 0 && e->size % WALLOC_LARGE_GRANULE == 0 && tier_block_ok(t, h, e->size) &&
           (e->next == WALLOC_NULL || e->next >= h + e->size);
}

/* Ends the list after pred, then recounts it; a header that stopped being believable since it
 * was checked ends the list there instead. */
static void ext_cut(struct tier *t, uint64_t pred)
{
    ext_link(t, pred, WALLOC_NULL);
    uint64_t bytes = 0, count = 0;
    struct ext e;
    for (uint64_t prev = WALLOC_NULL, cur = t->large.first; cur != WALLOC_NULL; prev = cur, cur = e.next) {
        if (!ext_read(t, cur, &e)) {
            ext_link(t, prev, WALLOC_NULL);
            break;
        }
        bytes += e.size, count++;
    }
    atomic_store_explicit(&t->large.bytes, bytes, memory_order_relaxed);
    t->large.count = count;
}

uint64_t large_alloc(struct tier *t, uint64_t size)
{
    uint64_t h = large_take(t, size);
    return h != WALLOC_NULL ? h : tier_bump(t, size);
}

uint64_t large_take(struct tier *t, uint64_t size)
{
    struct large_free *lf = &t->large;
    uint64_t result = WALLOC_NULL;
    wl_lock(&lf->lock);
    uint64_t best = WALLOC_NULL, best_pred = WALLOC_NULL, best_size = UINT64_MAX, best_next = 0;
    struct ext e;
    for (uint64_t pred = WALLOC_NULL, cur = lf->first; cur != WALLOC_NULL; pred = cur, cur = e.next) {
        if (!ext_read(t, cur, &e)) {
            ext_cut(t, pred); /* best, if any, lies before the cut (or its header changed: its
                               * range, as checked, is still inside the tier) */
            break;
        }
        if (e.size >= size && e.size < best_size) {
            best = cur, best_pred = pred, best_size = e.size, best_next = e.next;
            if (e.size == size)
                break;
        }
    }
    if (best != WALLOC_NULL) {
        if (best_size == size) {
            ext_link(t, best_pred, best_next);
            lf->count--;
            result = best;
        } else { /* take the end: the extent keeps its place in the list */
            ext_set(t, best, EXT_SIZE, best_size - size);
            result = best + best_size - size;
        }
        counter_sub(&lf->bytes, size);
    }
    wl_unlock(&lf->lock);
    return result;
}

void large_free(struct tier *t, uint64_t h, uint64_t size)
{
    struct large_free *lf = &t->large;
    wl_lock(&lf->lock);
    uint64_t pred2 = WALLOC_NULL, pred = WALLOC_NULL, cur = lf->first;
    struct ext e = {0, WALLOC_NULL}, pred_e = {0, WALLOC_NULL}; /* cur's and pred's, as checked */
    while (cur != WALLOC_NULL && cur < h) {
        if (!ext_read(t, cur, &e)) {
            ext_cut(t, pred);
            cur = WALLOC_NULL;
            break;
        }
        pred2 = pred;
        pred = cur;
        pred_e = e;
        cur = e.next;
    }
    if (cur != WALLOC_NULL && !ext_read(t, cur, &e)) {
        ext_cut(t, pred);
        cur = WALLOC_NULL;
    }
    uint64_t node, node_pred, len;
    uint64_t next = cur;
    uint64_t grow = size;
    if (cur != WALLOC_NULL && h + size == cur) { /* merge with the extent after */
        grow += e.size;
        next = e.next;
        lf->count--;
    }
    if (pred != WALLOC_NULL && pred + pred_e.size == h) { /* and the one before */
        node = pred, node_pred = pred2;
        len = pred_e.size + grow;
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
