/*
 * large.c - coalescing free extents for large blocks. See large.h.
 */
#include "large.h"

#include "block.h"
#include "handle_space.h"
#include "tier.h"

/* Extent header words: the extent's size, the next extent's handle, and a check word. A write
 * into freed memory (a caller's bug) can change any of them. The check word ties the size to
 * the extent's address and to the tier's era, and is cleared when the extent stops being one
 * (handed out whole, merged into the one before, given back to the head): so such a write cannot
 * make an extent cover live memory, and a link it changes cannot lead to a header that is not
 * a free extent's now, since every other header in the tier's memory is cleared or belongs to an
 * earlier era. Such headers cut the list instead. */
#define EXT_SIZE 0
#define EXT_NEXT 1
#define EXT_CHECK 2

static uint64_t ext_get(const struct tier *t, uint64_t h, unsigned word)
{
    return block_word_load(handle_ptr(t->owner, h), word);
}

static void ext_set(const struct tier *t, uint64_t h, unsigned word, uint64_t v)
{
    block_word_store(handle_ptr(t->owner, h), word, v);
}

/* The check word of an extent at h of size bytes in the given era (never 0: 0 marks a header
 * withdrawn). */
static uint64_t ext_check(uint64_t h, uint64_t size, uint64_t era)
{
    uint64_t x = (h ^ (size << 24) ^ (era * UINT64_C(0xC2B2AE3D27D4EB4F))) * UINT64_C(0x9E3779B97F4A7C15);
    return (x ^ (x >> 29)) | 1;
}

/* Writes the header of the extent [h, h + size) whose successor is next. */
static void ext_write(const struct tier *t, uint64_t h, uint64_t size, uint64_t next)
{
    ext_set(t, h, EXT_SIZE, size);
    ext_set(t, h, EXT_NEXT, next);
    ext_set(t, h, EXT_CHECK, ext_check(h, size, t->large.era));
}

/* h is no longer an extent's start. */
static void ext_withdraw(const struct tier *t, uint64_t h)
{
    ext_set(t, h, EXT_CHECK, 0);
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

/* Each header is read once, into *e, and only those values are used (a caller may write into it
 * meanwhile): an extent is believed only if its check word matches, it is a block of the tier
 * and its successor lies above it; otherwise the list is cut before it (its memory stays
 * unusable until a reset) and the byte count redone. */
static bool ext_read(const struct tier *t, uint64_t h, struct ext *e)
{
    if ((h & (WALLOC_PAGE - 1)) != 0 || wl_tier_check_range(t, h, 3 * sizeof(uint64_t)) != WALLOC_OK)
        return false; /* checked before the header is read at all */
    e->size = ext_get(t, h, EXT_SIZE);
    e->next = ext_get(t, h, EXT_NEXT);
    return ext_get(t, h, EXT_CHECK) == ext_check(h, e->size, t->large.era) && e->size > 0 &&
           e->size % WALLOC_LARGE_GRANULE == 0 && wl_tier_check_range(t, h, e->size) == WALLOC_OK &&
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
        ext_withdraw(t, best);
        lf->count--;
        result = best;
    } else {
        ext_write(t, best, best_size - size, best_next);
        result = best + best_size - size;
    }
    counter_sub(&lf->bytes, size);
    lf->resident -= size - wl_space_reuse_pages(t, result, size);
    return result;
}

uint64_t wl_large_pages(struct tier *t, uint64_t size)
{
    wl_lock(&t->large.lock);
    uint64_t h = take_locked(t, size);
    if (h == WALLOC_NULL)
        h = wl_tier_bump_pages(t, size);
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
        ext_withdraw(t, cur);
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
    ext_write(t, node, len, next);
    counter_add(&lf->bytes, size);
    lf->resident += size;
    /* The extent touches the bump head: lower the head instead of keeping the extent. */
    if (next == WALLOC_NULL && wl_tier_unbump(t, node, len)) {
        ext_withdraw(t, node); /* (a header's page is never given back) */
        ext_link(t, node_pred, WALLOC_NULL);
        lf->count--;
        counter_sub(&lf->bytes, len);
        lf->resident -= len - wl_space_decommitted_in(t, node, len);
        return;
    }
    if (lf->resident > t->retain) {
        /* Beyond what the tier retains: the freed pages go back to the system, except the
         * page that holds the extent's header; the header page of the extent after, which
         * the merge made an ordinary page, goes too. */
        uint64_t from = node == h ? h + WALLOC_PAGE : h, end = h + size + (merged_after ? WALLOC_PAGE : 0);
        if (from < end)
            lf->resident -= wl_space_give_back(t, from, end - from);
    }
}

void wl_large_free_pages(struct tier *t, uint64_t h, uint64_t size)
{
    wl_lock(&t->large.lock);
    free_locked(t, h, size);
    wl_unlock(&t->large.lock);
}

void wl_large_cut(struct tier *t, uint64_t keep)
{
    /* The extents kept get their check words for a new era as the walk passes them: the headers
     * of the ones dropped, in memory the head will hand out again, stop being believable. */
    struct large_free *lf = &t->large;
    uint64_t end = keep & ~(uint64_t)(WALLOC_PAGE - 1), dropped = 0, era = lf->era + 1;
    uint64_t shortened = WALLOC_NULL;
    struct ext e;
    for (uint64_t pred = WALLOC_NULL, cur = lf->first; cur != WALLOC_NULL; pred = cur, cur = e.next) {
        if (!ext_read(t, cur, &e)) {
            ext_link(t, pred, WALLOC_NULL);
            break;
        }
        if (cur + e.size <= end) {
            ext_set(t, cur, EXT_CHECK, ext_check(cur, e.size, era));
            continue;
        }
        /* cur reaches past end, and every later extent lies above it: count what goes. */
        for (uint64_t x = cur, xs = e.size, xn = e.next;;) {
            uint64_t from = x > end ? x : end;
            dropped += (x + xs - from) - wl_space_decommitted_in(t, from, x + xs - from);
            struct ext f;
            if (xn == WALLOC_NULL || !ext_read(t, xn, &f))
                break;
            x = xn, xs = f.size, xn = f.next;
        }
        if (cur < end)
            shortened = cur; /* written below, in the new era */
        else
            ext_link(t, pred, WALLOC_NULL);
        break;
    }
    lf->era = era;
    if (shortened != WALLOC_NULL)
        ext_write(t, shortened, end - shortened, WALLOC_NULL);
    lf->resident -= dropped < lf->resident ? dropped : lf->resident;
    ext_recount(t);
}
