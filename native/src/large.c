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
    if ((h & (WALLOC_PAGE - 1)) != 0 || tier_check_range(t, h, 2 * sizeof(uint64_t)) != WALLOC_OK)
        return false; /* checked before the header is read at all */
    e->size = ext_get(t, h, EXT_SIZE);
    e->next = ext_get(t, h, EXT_NEXT);
    return e->size > 0 && e->size % WALLOC_LARGE_GRANULE == 0 && tier_check_range(t, h, e->size) == WALLOC_OK &&
           (e->next == WALLOC_NULL || e->next >= h + e->size);
}

/* Recounts the list's bytes and extents; a header that stopped being believable since it was
 * checked ends the list there. */
static void ext_recount(struct tier *t)
{
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

/* Ends the list after pred (an extent header there was overwritten), then recounts it. The
 * memory cut off stays unusable until a reset. */
static void ext_cut(struct tier *t, uint64_t pred)
{
    ext_link(t, pred, WALLOC_NULL);
    ext_recount(t);
}

/* Best fit among the free extents, taking the end of the extent so that its header stays
 * where it is. Under the lock. */
static uint64_t take_locked(struct tier *t, uint64_t size)
{
    struct large_free *lf = &t->large;
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
    if (best == WALLOC_NULL)
        return WALLOC_NULL;
    uint64_t result;
    if (best_size == size) {
        ext_link(t, best_pred, best_next);
        lf->count--;
        result = best;
    } else {
        ext_set(t, best, EXT_SIZE, best_size - size);
        result = best + best_size - size;
    }
    counter_sub(&lf->bytes, size);
    lf->resident -= size - tier_reuse_pages(t, result, size);
    return result;
}

uint64_t large_pages(struct tier *t, uint64_t size)
{
    wl_lock(&t->large.lock);
    uint64_t h = take_locked(t, size);
    if (h == WALLOC_NULL)
        h = tier_bump_pages(t, size);
    wl_unlock(&t->large.lock);
    return h;
}

/* Returns [h, h + size) to the free extents, merged with its neighbours; gives the tier's
 * memory beyond what it retains back to the system. Under the lock. */
static void free_locked(struct tier *t, uint64_t h, uint64_t size)
{
    struct large_free *lf = &t->large;
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
    bool merged_after = cur != WALLOC_NULL && h + size == cur;
    if (merged_after) { /* merge with the extent after */
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
    lf->resident += size;
    /* The extent touches the bump head: lower the head instead of keeping the extent. */
    if (next == WALLOC_NULL && tier_unbump(t, node, len)) {
        ext_link(t, node_pred, WALLOC_NULL);
        lf->count--;
        counter_sub(&lf->bytes, len);
        lf->resident -= len - tier_decommitted_in(t, node, len);
        return;
    }
    if (lf->resident > t->retain) {
        /* Beyond what the tier retains: the freed pages go back to the system, except the
         * page that holds the extent's header; the header page of the extent after, which
         * the merge made an ordinary page, goes too. */
        uint64_t from = node == h ? h + WALLOC_PAGE : h, end = h + size + (merged_after ? WALLOC_PAGE : 0);
        if (from < end)
            lf->resident -= tier_give_back(t, from, end - from);
    }
}

void large_free_pages(struct tier *t, uint64_t h, uint64_t size)
{
    wl_lock(&t->large.lock);
    free_locked(t, h, size);
    wl_unlock(&t->large.lock);
}

void large_cut(struct tier *t, uint64_t keep)
{
    struct large_free *lf = &t->large;
    uint64_t end = keep & ~(uint64_t)(WALLOC_PAGE - 1), dropped = 0;
    struct ext e;
    for (uint64_t pred = WALLOC_NULL, cur = lf->first; cur != WALLOC_NULL; pred = cur, cur = e.next) {
        if (!ext_read(t, cur, &e)) {
            ext_link(t, pred, WALLOC_NULL);
            break;
        }
        if (cur + e.size <= end)
            continue;
        /* cur reaches past end, and every later extent lies above it: count what goes. */
        for (uint64_t x = cur, xs = e.size, xn = e.next;;) {
            uint64_t from = x > end ? x : end;
            dropped += (x + xs - from) - tier_decommitted_in(t, from, x + xs - from);
            struct ext f;
            if (xn == WALLOC_NULL || !ext_read(t, xn, &f))
                break;
            x = xn, xs = f.size, xn = f.next;
        }
        if (cur < end) {
            ext_set(t, cur, EXT_SIZE, end - cur);
            ext_set(t, cur, EXT_NEXT, WALLOC_NULL);
        } else {
            ext_link(t, pred, WALLOC_NULL);
        }
        break;
    }
    lf->resident -= dropped < lf->resident ? dropped : lf->resident;
    ext_recount(t);
}
