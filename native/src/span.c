/*
 * span.c - spans: creation and release, carving, remote frees, compaction, lists. See span.h.
 */
#include "span.h"

#include <string.h>

#include "large.h"
#include "tier.h"

/* Blocks a span links into its free list at a time: about a page's worth, so a new span does
 * not touch memory it has not handed out yet. */
#define CARVE_BYTES 4096u

/* ------------------------------------------------------------------ pool of structures ----- */

static struct span *pool_take(struct tier *t)
{
    uint32_t id = t->span_free_ids;
    if (id != 0) {
        struct span *s = span_of_id(t, id);
        t->span_free_ids = s->next;
        return s;
    }
    id = t->span_ids + 1;
    uint32_t chunk = id / SPAN_CHUNK;
    if (chunk >= t->span_chunk_count) {
        uint64_t max_chunks = (t->capacity / WALLOC_PAGE + 1) / SPAN_CHUNK + 1;
        if (chunk >= max_chunks)
            return NULL;
        if (t->span_chunks == NULL &&
            (t->span_chunks = wl_platform_meta_alloc(max_chunks * sizeof *t->span_chunks)) == NULL)
            return NULL;
        struct span *c = wl_platform_meta_alloc(SPAN_CHUNK * sizeof *c);
        if (c == NULL)
            return NULL;
        t->span_chunks[chunk] = c;
        t->span_chunk_count = chunk + 1;
    }
    t->span_ids = id;
    struct span *s = span_of_id(t, id);
    s->id = id;
    return s;
}

static void pool_put(struct tier *t, struct span *s)
{
    uint32_t id = s->id;
    memset(s, 0, sizeof *s);
    s->id = id;
    s->next = t->span_free_ids;
    t->span_free_ids = id;
}

void wl_span_pool_fini(struct tier *t)
{
    if (t->span_chunks == NULL)
        return;
    uint64_t max_chunks = (t->capacity / WALLOC_PAGE + 1) / SPAN_CHUNK + 1;
    for (uint32_t i = 0; i < t->span_chunk_count; i++)
        wl_platform_meta_free(t->span_chunks[i], SPAN_CHUNK * sizeof(struct span));
    wl_platform_meta_free(t->span_chunks, max_chunks * sizeof *t->span_chunks);
    t->span_chunks = NULL;
    t->span_chunk_count = 0;
}

/* ------------------------------------------------------------------ carving ---------------- */

/* Links the blocks from offset from on, up to CARVE_BYTES of them, in front of the free list.
 * false when from is past the span's last block. */
static bool carve_from(const walloc *w, struct span *s, uint64_t from)
{
    uint64_t end = (uint64_t)s->nblocks * s->csize;
    if (from >= end)
        return false;
    uint64_t n = CARVE_BYTES / s->csize ? CARVE_BYTES / s->csize : 1;
    uint64_t to = from + n * s->csize < end ? from + n * s->csize : end;
    for (uint64_t d = from; d + s->csize < to; d += s->csize)
        block_word_store(handle_ptr(w, s->lo + d), 0, s->lo + d + s->csize);
    block_word_store(handle_ptr(w, s->lo + to - s->csize), 0, s->free);
    s->free = s->lo + from;
    atomic_store_explicit(&s->last, to - s->csize, memory_order_relaxed);
    return true;
}

/* ------------------------------------------------------------------ creation, release ------ */

struct span *wl_span_create(struct tier *t, unsigned c, struct tcache *tc)
{
    walloc *w = t->owner;
    struct span *s = pool_take(t);
    if (s == NULL)
        return NULL;
    /* The class's span length, or when no run that long is free, shorter ones down to what one
     * block needs: a tier whose free memory lies in pieces still serves every request that fits
     * a piece. */
    uint32_t pages = t->span_pages[c], least = (uint32_t)((t->class_size[c] + WALLOC_PAGE - 1) >> WALLOC_PAGE_SHIFT);
    uint64_t h, bytes;
    while ((h = wl_large_pages(t, bytes = (uint64_t)pages << WALLOC_PAGE_SHIFT)) == WALLOC_NULL && pages > least)
        pages = pages / 2 > least ? pages / 2 : least;
    if (h == WALLOC_NULL) {
        pool_put(t, s);
        return NULL;
    }
    s->lo = h;
    s->pages = pages;
    s->bytes = (uint32_t)bytes;
    s->amask = t->align - 1;
    s->tier = (uint8_t)t->id;
    span_set_listed(s, SPAN_LIST_NONE);
    s->next = s->prev = 0;
    atomic_store_explicit(&s->allocs, 0, memory_order_relaxed);
    atomic_store_explicit(&s->remote, REMOTE_NONE | (tc == NULL ? REMOTE_UNOWNED : 0), memory_order_relaxed);
    wl_span_reuse(t, s, c);
    atomic_store_explicit(&s->owner, tc, memory_order_relaxed);
    wl_page_map_set(w, h, s->pages, s); /* release: whoever finds the span sees it set up */
    return s;
}

void wl_span_reuse(struct tier *t, struct span *s, unsigned c)
{
    s->csize = t->class_size[c];
    s->nblocks = s->bytes / s->csize;
    s->cls = (uint8_t)c;
    atomic_store_explicit(&s->used, 0, memory_order_relaxed);
    s->free = SPAN_END;
    carve_from(t->owner, s, 0);
}

struct span *wl_span_create_large(struct tier *t, uint64_t bytes)
{
    struct span *s = pool_take(t);
    if (s == NULL)
        return NULL;
    uint64_t h = wl_large_pages(t, bytes);
    if (h == WALLOC_NULL) {
        pool_put(t, s);
        return NULL;
    }
    s->lo = h;
    s->pages = (uint32_t)(bytes >> WALLOC_PAGE_SHIFT);
    s->nblocks = 1;
    s->tier = (uint8_t)t->id;
    s->free = SPAN_END;
    atomic_store_explicit(&s->used, 1, memory_order_relaxed);
    atomic_store_explicit(&s->allocs, 1, memory_order_relaxed);
    atomic_store_explicit(&s->remote, REMOTE_NONE | REMOTE_UNOWNED, memory_order_relaxed);
    atomic_store_explicit(&s->owner, NULL, memory_order_relaxed);
    wl_page_map_set(t->owner, h, s->pages, s); /* every page: an address inside it finds it */
    return s;
}

/* Forgets the span: its pages leave the map, its counts go to the tier's totals. */
static void span_forget(struct tier *t, struct span *s)
{
    counter_add(&t->released, wl_span_live(s));
    counter_add(&t->folded_allocs, atomic_load_explicit(&s->allocs, memory_order_relaxed));
    wl_page_map_set(t->owner, s->lo, s->pages, NULL);
    pool_put(t, s);
}

void wl_span_release(struct tier *t, struct span *s)
{
    uint64_t h = s->lo, bytes = (uint64_t)s->pages << WALLOC_PAGE_SHIFT;
    span_forget(t, s);
    block_poison(handle_ptr(t->owner, h), bytes);
    wl_large_free_pages(t, h, bytes);
}

void wl_span_take_entirely_free(struct tier *t, struct span *s)
{
    atomic_store_explicit(&s->remote, REMOTE_NONE | REMOTE_UNOWNED, memory_order_relaxed);
    atomic_store_explicit(&s->owner, NULL, memory_order_relaxed);
    uint64_t h = s->lo, bytes = (uint64_t)s->pages << WALLOC_PAGE_SHIFT;
    counter_add(&t->folded_allocs, atomic_load_explicit(&s->allocs, memory_order_relaxed));
    wl_page_map_set(t->owner, h, s->pages, NULL);
    s->pages = 0; /* statistics and rewinds skip it from now on */
    span_set_listed(s, SPAN_LIST_LIMBO);
    block_poison(handle_ptr(t->owner, h), bytes);
    wl_large_free_pages(t, h, bytes);
}

void wl_span_recycle(struct tier *t, struct span *s)
{
    pool_put(t, s);
}

void wl_span_drop(struct tier *t, struct span *s)
{
    span_forget(t, s);
}

/* ------------------------------------------------------------------ the owner's side ------- */

uint64_t wl_span_take_block(struct tier *t, struct span *s)
{
    const walloc *w = t->owner;
    for (;;) {
        uint64_t h = s->free;
        if (span_handle_ok(s, h) && (h - s->lo) % s->csize == 0) { /* also a block's start */
            s->free = block_word_load(handle_ptr(w, h), 0);
            atomic_store_explicit(&s->allocs, atomic_load_explicit(&s->allocs, memory_order_relaxed) + 1,
                                  memory_order_relaxed);
            atomic_store_explicit(&s->used, atomic_load_explicit(&s->used, memory_order_relaxed) + 1,
                                  memory_order_release);
            return h;
        }
        s->free = SPAN_END; /* empty, or a link a caller overwrote: the rest of the list is lost */
        uint64_t flags = atomic_load_explicit(&s->remote, memory_order_relaxed) & REMOTE_UNOWNED;
        if (wl_span_collect(t, s, flags) == 0 && !carve_from(w, s, span_last(s) + s->csize))
            return WALLOC_NULL;
    }
}

_Static_assert(REMOTE_ONE == REMOTE_NONE + 1 && (REMOTE_NONE & REMOTE_UNOWNED) == 0,
               "the remote word: block offset in bits 0..31 (REMOTE_NONE), count from bit 32 (REMOTE_ONE), "
               "REMOTE_UNOWNED in bit 63; the fields must not overlap");
_Static_assert(sizeof(((struct span *)0)->bytes) <= 4 && (UINT64_C(1) << 32) / 8 < REMOTE_UNOWNED / REMOTE_ONE,
               "a span's block offsets (below its uint32_t bytes) must stay below REMOTE_NONE, and its block "
               "count (8-byte blocks at least) must fit the remote word's 31-bit count");

/* Moves the remote list r (a word taken from s->remote) onto the local list. Without threads
 * no free takes the remote path, and the list stays empty. */
static uint32_t splice(struct tier *t, struct span *s, uint64_t r)
{
    const walloc *w = t->owner;
    uint32_t n = REMOTE_COUNT(r), got = 0;
    if (!WALLOC_THREADS || n == 0 || (r & REMOTE_NONE) == REMOTE_NONE)
        return 0;
    uint64_t first = s->lo + (r & REMOTE_NONE), h = first, tail = SPAN_END;
    while (got < n && span_handle_ok(s, h)) {
        tail = h;
        if (++got < n)
            h = block_word_load(handle_ptr(w, h), 0);
    }
    if (got == 0)
        return 0; /* the first link was overwritten: those blocks stay lost until a reset */
    block_word_store(handle_ptr(w, tail), 0, s->free);
    s->free = first;
    atomic_store_explicit(&s->used, atomic_load_explicit(&s->used, memory_order_relaxed) - got,
                          memory_order_relaxed);
    return got;
}

uint32_t wl_span_collect(struct tier *t, struct span *s, uint64_t keep_flags)
{
    if (!WALLOC_THREADS || REMOTE_COUNT(atomic_load_explicit(&s->remote, memory_order_relaxed)) == 0)
        return 0;
    return splice(t, s, atomic_exchange_explicit(&s->remote, REMOTE_NONE | keep_flags, memory_order_acquire));
}

void wl_span_set_owner(struct tier *t, struct span *s, struct tcache *tc)
{
    uint64_t flags = tc == NULL ? REMOTE_UNOWNED : 0;
    splice(t, s, atomic_exchange_explicit(&s->remote, REMOTE_NONE | flags, memory_order_acq_rel));
    atomic_store_explicit(&s->owner, tc, memory_order_release);
}

/* ------------------------------------------------------------------ other threads ---------- */

bool wl_span_push_remote(const walloc *w, struct span *s, uint64_t d)
{
    void *block = handle_ptr(w, s->lo + d);
    uint64_t old = atomic_load_explicit(&s->remote, memory_order_relaxed);
    do {
        if (old & REMOTE_UNOWNED)
            return false;
        uint64_t first = old & REMOTE_NONE;
        block_word_store(block, 0, first == REMOTE_NONE ? SPAN_END : s->lo + first);
    } while (!atomic_compare_exchange_weak_explicit(&s->remote, &old,
                                                    ((old & ~REMOTE_NONE) + REMOTE_ONE) | d,
                                                    memory_order_release, memory_order_relaxed));
    return true;
}

uint32_t wl_span_live(const struct span *s)
{
    uint32_t used = atomic_load_explicit(&s->used, memory_order_acquire);
    uint32_t pending = REMOTE_COUNT(atomic_load_explicit(&s->remote, memory_order_relaxed));
    return used > pending ? used - pending : 0;
}

/* ------------------------------------------------------------------ compaction ------------- */

uint64_t wl_span_truncate(struct tier *t, struct span *s, uint64_t keep)
{
    const walloc *w = t->owner;
    uint64_t flags = atomic_load_explicit(&s->remote, memory_order_relaxed) & REMOTE_UNOWNED;
    wl_span_collect(t, s, flags);
    uint32_t kept = (uint32_t)((keep - s->lo) / s->csize);
    if (kept > s->nblocks)
        kept = s->nblocks;
    uint64_t limit = (uint64_t)kept * s->csize;
    /* Keep the free blocks below limit, in their order; count them. */
    uint64_t head = SPAN_END, tail = SPAN_END;
    uint32_t free_below = 0, steps = 0;
    for (uint64_t h = s->free; span_handle_ok(s, h) && steps++ < s->nblocks;) {
        uint64_t next = block_word_load(handle_ptr(w, h), 0);
        if (h - s->lo < limit) {
            if (tail == SPAN_END)
                head = h;
            else
                block_word_store(handle_ptr(w, tail), 0, h);
            tail = h;
            free_below++;
        }
        h = next;
    }
    if (tail != SPAN_END)
        block_word_store(handle_ptr(w, tail), 0, SPAN_END);
    uint32_t handed = (uint32_t)(span_last(s) / s->csize) + 1;
    uint32_t handed_below = handed < kept ? handed : kept;
    uint32_t live_before = atomic_load_explicit(&s->used, memory_order_relaxed);
    uint32_t live_after = handed_below - free_below;
    s->free = head;
    s->nblocks = kept;
    s->bytes = (uint32_t)limit;
    if (span_last(s) >= limit)
        atomic_store_explicit(&s->last, limit - s->csize, memory_order_relaxed);
    atomic_store_explicit(&s->used, live_after, memory_order_relaxed);
    uint32_t pages = (uint32_t)((limit + WALLOC_PAGE - 1) >> WALLOC_PAGE_SHIFT);
    wl_page_map_set(t->owner, s->lo + ((uint64_t)pages << WALLOC_PAGE_SHIFT), s->pages - pages, NULL);
    s->pages = pages;
    return live_before > live_after ? live_before - live_after : 0;
}

/* ------------------------------------------------------------------ lists ------------------ */

/* Circular: the head's prev is the last span. */
static void link_before(struct tier *t, uint32_t at, struct span *s)
{
    struct span *a = span_of_id(t, at), *p = span_of_id(t, a->prev);
    s->next = at;
    s->prev = a->prev;
    p->next = s->id;
    a->prev = s->id;
}

void wl_span_list_push(struct tier *t, uint32_t *head, struct span *s, uint8_t which)
{
    if (*head == 0)
        s->next = s->prev = s->id;
    else
        link_before(t, *head, s);
    *head = s->id;
    span_set_listed(s, which);
}

void wl_span_list_remove(struct tier *t, uint32_t *head, struct span *s)
{
    if (s->next == s->id) {
        *head = 0;
    } else {
        span_of_id(t, s->prev)->next = s->next;
        span_of_id(t, s->next)->prev = s->prev;
        if (*head == s->id)
            *head = s->next;
    }
    s->next = s->prev = 0;
    span_set_listed(s, SPAN_LIST_NONE);
}
