/*
 * thread_cache.c - a thread's cache of spans for one instance: what allocation and free do
 * beyond the fast paths, and a cache's life. See thread_cache.h; which cache a thread uses is
 * thread_slots.c's.
 */
#include "thread_cache.h"

#include <string.h>

#include "tier.h"

/* Always full (free > last), owned by nobody: what empty slots point to. */
struct span wl_span_none = {.free = SPAN_END, .last = 0};

void wl_tcache_lock(walloc *w)
{
    wl_lock(&w->tc_lock);
}

void wl_tcache_unlock(walloc *w)
{
    wl_unlock(&w->tc_lock);
}

/* ------------------------------------------------------------------ a cache's spans -------- */

/* Makes s the span class c of tier t allocates from, in the class table and the fast path's. */
static void set_current(struct tcache *tc, const struct tier *t, unsigned c, struct span *s)
{
    tc->tiers[t->id].cur[c] = s;
    if (t->class_size[c] > t->small_max)
        return;
    /* The direct slots of class c: sizes (previous class, this class], by (size - 1) / 8. */
    for (uint32_t g = c == 0 ? 0 : t->class_size[c - 1] / 8; g < t->class_size[c] / 8; g++)
        tc->direct[t->id][g] = s;
}

/* Takes s off whatever holds it: its owner tc's current slot or lists, or the tier's shared
 * list (tc may be NULL for an unowned span). */
static void unlist(struct tcache *tc, struct tier *t, struct span *s)
{
    if (tc != NULL && tc->tiers[t->id].empty == s) {
        tc->tiers[t->id].empty = NULL;
        s->kept_empty = false;
    }
    switch (span_listed(s)) {
    case SPAN_LIST_CURRENT: set_current(tc, t, s->cls, &wl_span_none); break;
    case SPAN_LIST_PARTIAL: wl_span_list_remove(t, &tc->tiers[t->id].partial[s->cls], s); break;
    case SPAN_LIST_FULL: wl_span_list_remove(t, &tc->tiers[t->id].full[s->cls], s); break;
    case SPAN_LIST_SHARED: wl_span_list_remove(t, &t->shared[s->cls], s); break;
    case SPAN_LIST_SPARE:
        wl_span_list_remove(t, &tc->tiers[t->id].spare, s);
        tc->tiers[t->id].spare_bytes -= (uint64_t)s->pages << WALLOC_PAGE_SHIFT;
        break;
    }
    span_set_listed(s, SPAN_LIST_NONE);
}

/* An unowned span's place, under the tier's lock: back to the tier when empty, on the shared
 * list when it has free blocks, on no list when full. */
static void place_unowned(struct tier *t, struct span *s)
{
    if (atomic_load_explicit(&s->used, memory_order_relaxed) == 0) {
        unlist(NULL, t, s);
        wl_span_release(t, s);
    } else if (s->free != SPAN_END && span_listed(s) != SPAN_LIST_SHARED) {
        wl_span_list_push(t, &t->shared[s->cls], s, SPAN_LIST_SHARED);
    }
}

/* tc gives s up: unowned from now on. */
static void disown(struct tcache *tc, struct tier *t, struct span *s)
{
    unlist(tc, t, s);
    wl_span_set_owner(t, s, NULL);
    place_unowned(t, s);
}

/* Recycles the structures of the spans other threads took from tc (its lock held): tc is in a
 * slow path, so none of its frees into them is still running. */
static void recycle_limbo(struct tcache *tc, struct tier *t)
{
    struct tc_tier *tt = &tc->tiers[t->id];
    if (!WALLOC_THREADS || tt->limbo == 0)
        return;
    wl_lock(&t->lock);
    for (uint32_t id = tt->limbo, next; id != 0; id = next) {
        struct span *s = span_of_id(t, id);
        next = s->next;
        wl_span_recycle(t, s);
    }
    tt->limbo = 0;
    wl_unlock(&t->lock);
}

/* Gives up every span tc owns in tier t. */
static void disown_tier(struct tcache *tc, struct tier *t)
{
    struct tc_tier *tt = &tc->tiers[t->id];
    recycle_limbo(tc, t);
    wl_lock(&t->lock);
    for (unsigned c = 0; c < t->class_count; c++) {
        if (tt->cur[c] != &wl_span_none)
            disown(tc, t, tt->cur[c]);
        while (tt->partial[c] != 0)
            disown(tc, t, span_of_id(t, tt->partial[c]));
        while (tt->full[c] != 0)
            disown(tc, t, span_of_id(t, tt->full[c]));
    }
    while (tt->spare != 0)
        disown(tc, t, span_of_id(t, tt->spare));
    wl_unlock(&t->lock);
}

/* ------------------------------------------------------------------ allocation ------------- */

/* One of tc's spare spans whose pages hold a block of class c, made over for it; NULL when none
 * does. The tier's lock held (wl_span_reuse). */
static struct span *take_spare(struct tcache *tc, struct tier *t, unsigned c)
{
    struct tc_tier *tt = &tc->tiers[t->id];
    if (tt->spare == 0)
        return NULL;
    uint32_t start = tt->spare;
    for (uint32_t id = start;;) {
        struct span *s = span_of_id(t, id);
        if (s->bytes >= t->class_size[c]) {
            unlist(tc, t, s);
            wl_span_reuse(t, s, c);
            return s;
        }
        if ((id = s->next) == start)
            return NULL;
    }
}

/* The next span for class c of tier t: tc's partly free spans, then its full ones that others
 * freed into, then the tier's shared spans, then a new one. NULL when the tier has no room. */
static struct span *next_span(struct tcache *tc, struct tier *t, unsigned c)
{
    struct tc_tier *tt = &tc->tiers[t->id];
    struct span *s = span_list_first(t, tt->partial[c]);
    if (s != NULL) {
        wl_span_list_remove(t, &tt->partial[c], s);
        return s;
    }
    /* A few full spans others may have freed into (or a compaction shortened); the list turns as
     * it is looked at, so every span gets looked at in turn without walking them all. */
    for (unsigned i = 0; i < 4 && tt->full[c] != 0; i++) {
        s = span_of_id(t, tt->full[c]);
        if (s->free != SPAN_END ||
            (WALLOC_THREADS && REMOTE_COUNT(atomic_load_explicit(&s->remote, memory_order_relaxed)) != 0)) {
            wl_span_list_remove(t, &tt->full[c], s);
            return s;
        }
        tt->full[c] = s->next;
    }
    wl_lock(&t->lock);
    if ((s = take_spare(tc, t, c)) == NULL) {
        s = span_list_first(t, t->shared[c]);
        if (s != NULL) {
            wl_span_list_remove(t, &t->shared[c], s);
            wl_span_set_owner(t, s, tc);
        } else {
            s = wl_span_create(t, c, tc);
        }
    }
    wl_unlock(&t->lock);
    return s;
}

/* Out of room: gives back the empty spans tc holds, takes what others freed into its full
 * spans, and sweeps what was freed into spans nobody owns. */
static void reclaim_own(struct tcache *tc, struct tier *t)
{
    struct tc_tier *tt = &tc->tiers[t->id];
    wl_lock(&tc->lock);
    wl_lock(&t->lock);
    while (tt->spare != 0) {
        struct span *s = span_of_id(t, tt->spare);
        unlist(tc, t, s);
        wl_span_release(t, s);
    }
    for (unsigned c = 0; c < t->class_count; c++) {
        struct span *s = tt->cur[c];
        if (s != &wl_span_none && (wl_span_collect(t, s, 0), atomic_load_explicit(&s->used, memory_order_relaxed) == 0)) {
            unlist(tc, t, s);
            wl_span_release(t, s);
        }
        while (tt->full[c] != 0) { /* each goes to the tier or the partial list */
            s = span_of_id(t, tt->full[c]);
            unlist(tc, t, s);
            wl_span_collect(t, s, 0);
            if (atomic_load_explicit(&s->used, memory_order_relaxed) == 0)
                wl_span_release(t, s);
            else
                wl_span_list_push(t, &tt->partial[c], s, SPAN_LIST_PARTIAL);
        }
    }
    for (uint32_t id = 1; WALLOC_THREADS && id <= t->span_ids; id++) {
        struct span *s = span_of_id(t, id);
        if (s->pages != 0 && s->csize != 0 && atomic_load_explicit(&s->owner, memory_order_relaxed) == NULL) {
            wl_span_collect(t, s, REMOTE_UNOWNED);
            place_unowned(t, s);
        }
    }
    wl_unlock(&t->lock);
    wl_unlock(&tc->lock);
}

/* A span of another cache that is not current and whose every block was freed (the frees of
 * other threads waiting on its remote list) goes back to the tier: its owner can't be using it.
 * used only falls for such a span while its owner does not hold the cache's lock, and the
 * remote count only grows, so reading them equal means they are. */
static void take_free_spans(struct tcache *from, struct tier *t, uint32_t *head, uint8_t which)
{
    uint32_t start = *head;
    *head = 0; /* taken whole; the spans still in use go back on it */
    for (uint32_t id = start, next; id != 0; id = next == start ? 0 : next) {
        struct span *s = span_of_id(t, id);
        next = s->next;
        span_set_listed(s, SPAN_LIST_NONE);
        uint32_t used = atomic_load_explicit(&s->used, memory_order_relaxed);
        if (used != REMOTE_COUNT(atomic_load_explicit(&s->remote, memory_order_acquire))) {
            wl_span_list_push(t, head, s, which);
            continue;
        }
        if (which == SPAN_LIST_SPARE)
            from->tiers[t->id].spare_bytes -= (uint64_t)s->pages << WALLOC_PAGE_SHIFT;
        wl_lock(&t->lock);
        wl_span_take_entirely_free(t, s);
        wl_unlock(&t->lock);
        s->next = from->tiers[t->id].limbo;
        from->tiers[t->id].limbo = s->id;
    }
}

/* Out of room in tier t: every other cache of w gives back its spans that are entirely free. */
static void take_others_free_spans(walloc *w, struct tcache *self, struct tier *t)
{
    wl_lock(&w->tc_lock);
    for (struct tcache *tc = w->tcaches; tc != NULL; tc = tc->next) {
        if (tc == self)
            continue;
        wl_lock(&tc->lock);
        for (unsigned c = 0; c < t->class_count; c++) {
            take_free_spans(tc, t, &tc->tiers[t->id].partial[c], SPAN_LIST_PARTIAL);
            take_free_spans(tc, t, &tc->tiers[t->id].full[c], SPAN_LIST_FULL);
        }
        take_free_spans(tc, t, &tc->tiers[t->id].spare, SPAN_LIST_SPARE);
        wl_unlock(&tc->lock);
    }
    wl_unlock(&w->tc_lock);
}

uint64_t wl_tcache_alloc(struct tcache *tc, struct tier *t, unsigned c)
{
    walloc *w = tc->w;
    struct tc_tier *tt = &tc->tiers[t->id];
    for (bool reclaimed = false;;) {
        struct span *s = tt->cur[c];
        if (s != &wl_span_none) {
            uint64_t h = wl_span_take_block(t, s);
            if (h != WALLOC_NULL)
                return h;
        }
        wl_lock(&tc->lock);
        recycle_limbo(tc, t);
        if (s != &wl_span_none) {
            /* unlist: it may be the span kept empty (a write into a freed block of it can lose
             * its free list), which must not stay known as such once it leaves current. */
            unlist(tc, t, s);
            wl_span_list_push(t, &tt->full[c], s, SPAN_LIST_FULL);
        }
        if ((s = next_span(tc, t, c)) != NULL) {
            span_set_listed(s, SPAN_LIST_CURRENT);
            set_current(tc, t, c, s);
        }
        wl_unlock(&tc->lock);
        if (s != NULL)
            continue;
        if (reclaimed)
            return WALLOC_NULL;
        reclaimed = true;
        reclaim_own(tc, t);
        if (WALLOC_THREADS)
            take_others_free_spans(w, tc, t);
    }
}

uint32_t wl_tcache_alloc_current(struct tcache *tc, struct tier *t, unsigned c, uint64_t *out, uint32_t n)
{
    struct span *s = tc->tiers[t->id].cur[c];
    uint32_t i = 0;
    for (uint64_t h; i < n && s != &wl_span_none && (h = wl_span_take_block(t, s)) != WALLOC_NULL; i++)
        out[i] = h;
    return i;
}

/* ------------------------------------------------------------------ free ------------------- */

walloc_status wl_tcache_after_free(struct tcache *tc, struct tier *t, struct span *s)
{
    struct tc_tier *tt = &tc->tiers[t->id];
    if (span_listed(s) == SPAN_LIST_CURRENT && (s->kept_empty || atomic_load_explicit(&s->used, memory_order_relaxed) != 0))
        return WALLOC_OK; /* a current span stays (the one kept empty, or one that was full) */
    wl_lock(&tc->lock);
    if (span_listed(s) == SPAN_LIST_CURRENT) {
        /* A current span just emptied: it stays, so that its class's next allocation is fast,
         * but it becomes the tier's one empty span this thread keeps; the one before, if it
         * is still empty, goes back to the tier. */
        struct span *before = tt->empty;
        tt->empty = s;
        s->kept_empty = true;
        if (before != NULL)
            before->kept_empty = false;
        if (before != NULL && span_listed(before) == SPAN_LIST_CURRENT && atomic_load_explicit(&before->used, memory_order_relaxed) == 0) {
            unlist(tc, t, before);
            wl_lock(&t->lock);
            wl_span_set_owner(t, before, NULL);
            wl_span_release(t, before);
            wl_unlock(&t->lock);
        }
    } else if (WALLOC_THREADS && span_listed(s) == SPAN_LIST_LIMBO) {
        /* Taken by a thread that ran out of room meanwhile (it found the span entirely free). */
        recycle_limbo(tc, t);
    } else if (atomic_load_explicit(&s->used, memory_order_relaxed) == 0) {
        /* Empty: kept as a spare for any class while the tier's spares of this thread stay
         * within their budget (a 64th of the tier, at most 4 MiB: a thread's batch of a
         * thousand 4 KiB blocks comes back without going through the tier's locks), else back
         * to the tier. */
        uint64_t bytes = (uint64_t)s->pages << WALLOC_PAGE_SHIFT, budget = t->capacity / 64;
        unlist(tc, t, s);
        if (tt->spare_bytes + bytes <= (budget < (UINT64_C(4) << 20) ? budget : UINT64_C(4) << 20)) {
            wl_span_list_push(t, &tt->spare, s, SPAN_LIST_SPARE);
            tt->spare_bytes += bytes;
        } else {
            wl_lock(&t->lock);
            wl_span_set_owner(t, s, NULL);
            wl_span_release(t, s);
            wl_unlock(&t->lock);
        }
    } else if (span_listed(s) == SPAN_LIST_FULL) {
        wl_span_list_remove(t, &tt->full[s->cls], s);
        wl_span_list_push(t, &tt->partial[s->cls], s, SPAN_LIST_PARTIAL);
    }
    wl_unlock(&tc->lock);
    return WALLOC_OK;
}

walloc_status wl_tcache_free(walloc *w, struct tcache *tc, struct tier *t, struct span *s, uint64_t d)
{
    for (;;) {
        struct tcache *owner = atomic_load_explicit(&s->owner, memory_order_acquire);
        if (!WALLOC_THREADS || (owner != NULL && owner == tc)) {
            uint64_t was = span_push_local(w, s, s->lo + d);
            if (was == SPAN_END || atomic_load_explicit(&s->used, memory_order_relaxed) == 0)
                wl_tcache_after_free(tc, t, s);
            return WALLOC_OK;
        }
        if (owner != NULL && wl_span_push_remote(w, s, d))
            return WALLOC_OK;
        wl_lock(&t->lock);
        if (atomic_load_explicit(&s->owner, memory_order_relaxed) != NULL) {
            wl_unlock(&t->lock); /* adopted meanwhile: push to the new owner */
            continue;
        }
        walloc_status st = WALLOC_OK;
        if (span_at(w, s->lo + d) == s && s->pages != 0) {
            span_push_local(w, s, s->lo + d);
            place_unowned(t, s);
        } else {
            st = WALLOC_ERR_OUT_OF_BOUNDS; /* the span went while we looked: a double free */
        }
        wl_unlock(&t->lock);
        return st;
    }
}

void wl_tcache_drop_free_list(walloc *w, struct tcache *tc, struct tier *t, uint64_t h)
{
    struct span *s = span_at(w, h);
    if (s == NULL || s->csize == 0)
        return;
    wl_lock(&t->lock);
    struct tcache *owner = atomic_load_explicit(&s->owner, memory_order_relaxed);
    if (owner == NULL || owner == tc)
        s->free = SPAN_END; /* its blocks stay counted as used: unusable until a reset */
    wl_unlock(&t->lock);
}

void wl_tcache_unlist(struct tier *t, struct span *s)
{
    unlist(atomic_load_explicit(&s->owner, memory_order_relaxed), t, s);
}

/* ------------------------------------------------------------------ caches ----------------- */

struct tcache *wl_tcache_new(walloc *w, struct tl_slots *tl)
{
    struct tcache *tc = wl_platform_meta_alloc(sizeof *tc);
    if (tc == NULL)
        return NULL;
    tc->id = w->id;
    tc->w = w;
    tc->tl = tl;
    struct span **direct = &tc->direct[0][0];
    for (unsigned i = 0; i < WALLOC_TIER_COUNT * DIRECT_SLOTS; i++)
        direct[i] = &wl_span_none;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT * WALLOC_CLASS_COUNT_MAX; i++)
        tc->tiers[i / WALLOC_CLASS_COUNT_MAX].cur[i % WALLOC_CLASS_COUNT_MAX] = &wl_span_none;
    wl_mutex_init(&tc->lock);
    wl_lock(&w->tc_lock);
    tc->next = w->tcaches;
    tc->prev = NULL;
    if (w->tcaches)
        w->tcaches->prev = tc;
    w->tcaches = tc;
    wl_unlock(&w->tc_lock);
    return tc;
}

void wl_tcache_retire(struct tcache *tc)
{
    walloc *w = tc->w;
    wl_lock(&w->tc_lock);
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++)
        disown_tier(tc, &w->tiers[i]);
    if (tc->prev)
        tc->prev->next = tc->next;
    else
        w->tcaches = tc->next;
    if (tc->next)
        tc->next->prev = tc->prev;
    wl_unlock(&w->tc_lock);
    wl_mutex_destroy(&tc->lock);
    wl_platform_meta_free(tc, sizeof *tc);
}

void wl_tcache_free_all(walloc *w, walloc *no_instance, struct tcache *no_cache)
{
    wl_lock(&w->tc_lock);
    for (struct tcache *tc = w->tcaches, *next; tc != NULL; tc = next) {
        next = tc->next;
        /* The thread may still point its fast paths at w: a new instance could get its address. */
        walloc *expected = w;
        struct tcache *expected_tc = tc;
        atomic_compare_exchange_strong_explicit(&tc->tl->w0, &expected, no_instance, memory_order_relaxed,
                                                memory_order_relaxed);
        atomic_compare_exchange_strong_explicit(&tc->tl->tc0, &expected_tc, no_cache, memory_order_relaxed,
                                                memory_order_relaxed);
        wl_mutex_destroy(&tc->lock);
        wl_platform_meta_free(tc, sizeof *tc);
    }
    w->tcaches = NULL;
    wl_unlock(&w->tc_lock);
}
