/*
 * thread_cache.c - per-thread caches, the registry of live instances, thread-exit flushing.
 * See thread_cache.h.
 */
#include "thread_cache.h"

#include "block.h"
#include "freelist.h"
#include "large.h"
#include "tier.h"

/* Registry of live instances: ids are never reused, so a cache can check that its instance
 * still exists before flushing into it. */
static wl_mutex g_lock = WL_MUTEX_INIT;
static walloc *g_live;
static uint64_t g_next_id = 1;

#if WALLOC_THREAD_CACHE
static walloc *live_instance(uint64_t id)
{
    for (walloc *w = g_live; w != NULL; w = w->next_live)
        if (w->id == id)
            return w;
    return NULL;
}
#endif

void tcache_lock(walloc *w)
{
    wl_lock(&w->tc_lock);
}

void tcache_unlock(walloc *w)
{
    wl_unlock(&w->tc_lock);
}

#if WALLOC_THREAD_CACHE

#if defined(__wasm__)
struct tl_slots walloc_tl; /* WebAssembly has one thread, which never exits */
#else
#include <pthread.h>

__thread struct tl_slots walloc_tl __attribute__((tls_model("initial-exec")));

static pthread_key_t g_exit_key;
static pthread_once_t g_exit_once = PTHREAD_ONCE_INIT;
#endif

/* Most bytes a bin holds before it flushes half to the shared freelist. */
#define BIN_BYTES (128u * 1024u)
/* Most blocks a bin holds: enough for a batch of 1000 small blocks to stay in the thread. */
#define BIN_MAX_BLOCKS 2048u

static void bin_push(struct tc_tier *tt, struct tier *t, unsigned c, uint64_t h)
{
    if (tc_bin_push(tt, t->owner->base, c, h))
        tcache_flush(tt, t, c);
}

/* Reads the link of block h of bin c; a link that does not name a block of the tier (the
 * block was written after it was freed) ends the bin there. */
static uint64_t bin_next(struct tc_tier *tt, struct tier *t, unsigned c, uint64_t h)
{
    uint64_t next = block_word_load(handle_ptr(t->owner, h), 0);
    if (next != WALLOC_NULL && !tier_block_ok(t, next, t->class_size[c])) {
        block_word_store(handle_ptr(t->owner, h), 0, WALLOC_NULL);
        return WALLOC_NULL;
    }
    return next;
}

/* Pushes up to n blocks of bin c starting at its head to the shared freelist. */
static void bin_flush_n(struct tc_tier *tt, struct tier *t, unsigned c, uint32_t n)
{
    struct tc_bin *b = &tt->bins[c];
    uint64_t size = t->class_size[c];
    uint64_t first = b->head, last = first;
    uint32_t taken = 1;
    for (uint64_t next; taken < n && (next = bin_next(tt, t, c, last)) != WALLOC_NULL; taken++)
        last = next;
    uint64_t rest = bin_next(tt, t, c, last);
    b->head = rest;
    /* a corrupted link may have cut the bin short: then nothing is left */
    bin_set_count(b, rest == WALLOC_NULL ? 0 : bin_count(b) - taken);
    freelist_push_chain(t, &t->lists[c], first, last, taken * size);
}

void tcache_flush(struct tc_tier *tt, struct tier *t, unsigned c)
{
    uint32_t n = tt->bins[c].limit / 2;
    bin_flush_n(tt, t, c, n ? n : 1);
}

/* Cuts [h, h + bytes) into blocks of the largest classes that fit and bins them. */
static void carve_into_bins(struct tc_tier *tt, struct tier *t, uint64_t h, uint64_t bytes)
{
    while (bytes >= t->align) {
        uint64_t want = bytes < WALLOC_MAX_CLASS_SIZE ? bytes : WALLOC_MAX_CLASS_SIZE;
        unsigned c = size_class_for(want, t->align_shift);
        uint64_t size = size_class_size(c, t->align_shift);
        if (size > want)
            size = size_class_size(--c, t->align_shift);
        bin_push(tt, t, c, h);
        h += size;
        bytes -= size;
    }
}

/* Replaces the private chunk; false when the tier has no room for a new one. */
static bool chunk_renew(struct tc_tier *tt, struct tier *t)
{
    uint64_t old = tc_get(&tt->chunk_cur), rest = tc_get(&tt->chunk_end) - old;
    tc_set(&tt->chunk_cur, 0);
    tc_set(&tt->chunk_end, 0);
    carve_into_bins(tt, t, old, rest);
    uint64_t h = tier_bump(t, t->chunk_size);
    if (h == WALLOC_NULL && (h = large_take(t, t->chunk_size)) == WALLOC_NULL)
        return false;
    tc_set(&tt->chunk_end, h + t->chunk_size);
    tc_set(&tt->chunk_cur, h);
    return true;
}

uint64_t tcache_refill(struct tc_tier *tt, struct tier *t, unsigned c)
{
    struct tc_bin *b = &tt->bins[c];
    uint64_t size = size_class_size(c, t->align_shift);
    unsigned n;
    uint64_t first = freelist_pop_chain(t, &t->lists[c], b->limit / 2 ? b->limit / 2 : 1, size, &n);
    if (first != WALLOC_NULL) { /* pop_chain checked every link of the chain */
        b->head = block_word_load(handle_ptr(t->owner, first), 0);
        bin_set_count(b, n - 1);
        return first;
    }
    if (t->chunk_size == 0 || size * 4 > t->chunk_size)
        return WALLOC_NULL;
    if (tc_get(&tt->chunk_end) - tc_get(&tt->chunk_cur) < size) {
        bool renewed = chunk_renew(tt, t);
        if (b->head != WALLOC_NULL) /* carving the old chunk may have filled this bin */
            return tc_bin_pop(tt, t, t->owner->base, c);
        if (!renewed)
            return WALLOC_NULL;
    }
    uint64_t h = tc_get(&tt->chunk_cur);
    tc_set(&tt->chunk_cur, h + size);
    return h;
}

void tcache_tier_renew(struct tc_tier *tt, struct tier *t)
{
    for (unsigned c = 0; c < WALLOC_CLASS_COUNT_MAX; c++) {
        tt->bins[c].head = WALLOC_NULL;
        bin_set_count(&tt->bins[c], 0);
    }
    tc_set(&tt->chunk_cur, 0);
    tc_set(&tt->chunk_end, 0);
    atomic_store_explicit(&tt->epoch, atomic_load_explicit(&t->epoch, memory_order_relaxed),
                          memory_order_relaxed);
}

static void tcache_init(struct tcache *tc, walloc *w)
{
    tc->id = w->id;
    tc->w = w;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        struct tier *t = &w->tiers[i];
        struct tc_tier *tt = &tc->tiers[i];
        for (unsigned c = 0; c < WALLOC_CLASS_COUNT_MAX; c++) {
            uint64_t lim = BIN_BYTES / size_class_size(c, t->align_shift);
            tt->bins[c].limit = (uint32_t)(lim < 4 ? 4 : lim > BIN_MAX_BLOCKS ? BIN_MAX_BLOCKS : lim);
        }
        tcache_tier_renew(tt, t);
    }
}

/* Gives everything a cache holds back to its instance and frees it. Called with g_lock held
 * and w alive. */
static void tcache_retire(walloc *w, struct tcache *tc)
{
    wl_lock(&w->tc_lock);
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        struct tier *t = &w->tiers[i];
        struct tc_tier *tt = &tc->tiers[i];
        if (atomic_load_explicit(&tt->epoch, memory_order_relaxed) ==
            atomic_load_explicit(&t->epoch, memory_order_relaxed)) {
            uint64_t cur = tc_get(&tt->chunk_cur);
            carve_into_bins(tt, t, cur, tc_get(&tt->chunk_end) - cur);
            for (unsigned c = 0; c < t->class_count; c++)
                if (tt->bins[c].head != WALLOC_NULL)
                    bin_flush_n(tt, t, c, bin_count(&tt->bins[c]));
        }
        counter_add(&t->allocs, counter_get(&tt->allocs));
        counter_add(&t->frees, counter_get(&tt->frees));
    }
    if (tc->prev)
        tc->prev->next = tc->next;
    else
        w->tcaches = tc->next;
    if (tc->next)
        tc->next->prev = tc->prev;
    wl_unlock(&w->tc_lock);
    platform_meta_free(tc, sizeof *tc);
}

#if !defined(__wasm__)
static void thread_exit(void *unused)
{
    (void)unused;
    wl_lock(&g_lock);
    for (unsigned i = 0; i < TL_SLOTS; i++) {
        walloc *w = walloc_tl.id[i] ? live_instance(walloc_tl.id[i]) : NULL;
        if (w != NULL)
            tcache_retire(w, walloc_tl.tc[i]);
        walloc_tl.id[i] = 0;
        walloc_tl.tc[i] = NULL;
    }
    wl_unlock(&g_lock);
}

static void make_exit_key(void)
{
    pthread_key_create(&g_exit_key, thread_exit);
}
#endif

struct tcache *tcache_attach(walloc *w)
{
    for (unsigned i = 1; i < TL_SLOTS; i++) {
        if (walloc_tl.id[i] == w->id) { /* move to front */
            struct tcache *tc = walloc_tl.tc[i];
            walloc_tl.id[i] = walloc_tl.id[0], walloc_tl.tc[i] = walloc_tl.tc[0];
            walloc_tl.id[0] = w->id, walloc_tl.tc[0] = tc;
            return tc;
        }
    }
#if !defined(__wasm__)
    pthread_once(&g_exit_once, make_exit_key);
#endif
    struct tcache *tc = platform_meta_alloc(sizeof *tc);
    if (tc == NULL)
        return NULL;
    wl_lock(&g_lock);
    /* A free slot, or one whose instance is gone, or else evict the least recent. */
    unsigned slot = TL_SLOTS - 1;
    for (unsigned i = 0; i < TL_SLOTS; i++) {
        if (walloc_tl.id[i] == 0 || live_instance(walloc_tl.id[i]) == NULL) {
            slot = i;
            break;
        }
    }
    if (walloc_tl.id[slot] != 0) {
        walloc *old = live_instance(walloc_tl.id[slot]);
        if (old != NULL)
            tcache_retire(old, walloc_tl.tc[slot]);
    }
    tcache_init(tc, w);
    wl_lock(&w->tc_lock);
    tc->next = w->tcaches;
    tc->prev = NULL;
    if (w->tcaches)
        w->tcaches->prev = tc;
    w->tcaches = tc;
    wl_unlock(&w->tc_lock);
    wl_unlock(&g_lock);
    for (unsigned i = slot; i > 0; i--) {
        walloc_tl.id[i] = walloc_tl.id[i - 1];
        walloc_tl.tc[i] = walloc_tl.tc[i - 1];
    }
    walloc_tl.id[0] = w->id;
    walloc_tl.tc[0] = tc;
#if !defined(__wasm__)
    pthread_setspecific(g_exit_key, &walloc_tl); /* any non-NULL value arms thread_exit */
#endif
    return tc;
}

void tcache_tier_totals(walloc *w, const struct tier *t, uint64_t *cached, uint64_t *allocs,
                        uint64_t *frees)
{
    uint64_t c = 0, a = counter_get(&t->allocs), f = counter_get(&t->frees);
    wl_lock(&w->tc_lock);
    for (struct tcache *tc = w->tcaches; tc != NULL; tc = tc->next) {
        const struct tc_tier *tt = &tc->tiers[t->id];
        a += counter_get(&tt->allocs);
        f += counter_get(&tt->frees);
        if (atomic_load_explicit(&tt->epoch, memory_order_relaxed) ==
            atomic_load_explicit(&t->epoch, memory_order_relaxed)) {
            c += tc_get(&tt->chunk_end) - tc_get(&tt->chunk_cur);
            for (unsigned k = 0; k < t->class_count; k++)
                c += (uint64_t)bin_count(&tt->bins[k]) * t->class_size[k];
        }
    }
    wl_unlock(&w->tc_lock);
    *cached = c, *allocs = a, *frees = f;
}

#else /* !WALLOC_THREAD_CACHE */

void tcache_tier_totals(walloc *w, const struct tier *t, uint64_t *cached, uint64_t *allocs,
                        uint64_t *frees)
{
    (void)w;
    *cached = 0;
    *allocs = counter_get(&t->allocs);
    *frees = counter_get(&t->frees);
}

#endif

void tcache_register_instance(walloc *w)
{
    wl_lock(&g_lock);
    w->id = g_next_id++;
    w->next_live = g_live;
    g_live = w;
    wl_unlock(&g_lock);
}

void tcache_unregister_instance(walloc *w)
{
    wl_lock(&g_lock);
    for (walloc **p = &g_live; *p != NULL; p = &(*p)->next_live) {
        if (*p == w) {
            *p = w->next_live;
            break;
        }
    }
#if WALLOC_THREAD_CACHE
    wl_lock(&w->tc_lock);
    for (struct tcache *tc = w->tcaches, *next; tc != NULL; tc = next) {
        next = tc->next;
        platform_meta_free(tc, sizeof *tc);
    }
    w->tcaches = NULL;
    wl_unlock(&w->tc_lock);
#endif
    wl_unlock(&g_lock);
}
