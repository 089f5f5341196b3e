/*
 * thread_cache.c - per-thread caches, the registry of live instances, thread-exit flushing.
 * See thread_cache.h.
 */
#include "thread_cache.h"

#include <string.h>

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

/* A bin holds at most BIN_MAX_BLOCKS blocks and bin_bytes of memory: 1/64 of the tier, within
 * [128 KiB, 4 MiB], so a thread's batch of 1000 blocks up to 4 KiB stays in the thread in a big
 * tier, while a small tier is not hoarded by one thread's bins. */
#define BIN_MAX_BLOCKS 2048u
#define BIN_MIN_BYTES (UINT64_C(128) << 10)
#define BIN_MAX_BYTES (UINT64_C(4) << 20)

static uint32_t bin_limit(const struct tier *t, unsigned c)
{
    uint64_t bytes = t->capacity / 64;
    bytes = bytes < BIN_MIN_BYTES ? BIN_MIN_BYTES : bytes > BIN_MAX_BYTES ? BIN_MAX_BYTES : bytes;
    uint64_t n = bytes / t->class_size[c];
    return (uint32_t)(n < 4 ? 4 : n > BIN_MAX_BLOCKS ? BIN_MAX_BLOCKS : n);
}

/* Links the bottom n blocks of bin c into a chain and pushes it to the shared freelist; the
 * blocks above move down. */
static void bin_flush_bottom(struct tc_tier *tt, struct tier *t, unsigned c, uint32_t n)
{
    struct tc_bin *b = &tt->bins[c];
    uint32_t depth = bin_depth(b);
    if (n > depth)
        n = depth;
    if (n == 0)
        return;
    uint64_t first = b->slots[0], last = first;
    for (uint32_t i = 1; i < n; i++) {
        uint64_t h = b->slots[i];
        block_word_store(handle_ptr(t->owner, last), 0, h);
        last = h;
    }
    freelist_push_chain(t, &t->lists[c], first, last, (uint64_t)n * t->class_size[c]);
    memmove(b->slots, b->slots + n, (size_t)(depth - n) * sizeof b->slots[0]);
    tc_add(&b->pops, n);
    tc_add(&tt->not_allocs, n);
}

bool tcache_bin_push(struct tc_tier *tt, struct tier *t, unsigned c, uint64_t h)
{
    struct tc_bin *b = &tt->bins[c];
    if (unlikely(b->cap == 0)) {
        if ((b->slots = platform_meta_alloc((size_t)b->limit * sizeof b->slots[0])) == NULL)
            return false;
        b->cap = b->limit;
    }
    uint32_t depth = bin_depth(b);
    if (depth == b->cap) {
        bin_flush_bottom(tt, t, c, b->cap / 2 ? b->cap / 2 : 1);
        depth = bin_depth(b);
    }
    b->slots[depth] = h;
    tc_add(&b->pushes, 1);
    return true;
}

/* Puts a block that was not freed (a refill, a carved piece) on bin c; to the shared freelist
 * when the bin cannot take it. */
static void bin_fill(struct tc_tier *tt, struct tier *t, unsigned c, uint64_t h)
{
    if (tcache_bin_push(tt, t, c, h))
        tc_add(&tt->not_frees, 1);
    else
        freelist_push_chain(t, &t->lists[c], h, h, t->class_size[c]);
}

/* Cuts [h, h + bytes) into blocks of the largest classes that fit and bins them. */
static void carve_into_bins(struct tc_tier *tt, struct tier *t, uint64_t h, uint64_t bytes)
{
    while (bytes >= t->align) {
        uint64_t want = bytes < t->small_max ? bytes : t->small_max;
        unsigned c = tier_class_of(t, want);
        if (t->class_size[c] > want)
            c--;
        bin_fill(tt, t, c, h);
        h += t->class_size[c];
        bytes -= t->class_size[c];
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
    uint64_t size = t->class_size[c];
    unsigned n;
    uint32_t want = b->limit / 2 ? b->limit / 2 : 1;
    uint64_t first = freelist_pop_chain(t, &t->lists[c], want, size, &n);
    if (first != WALLOC_NULL) { /* pop_chain checked every link of the chain */
        for (uint64_t h = first, next; h != WALLOC_NULL; h = next) {
            next = block_word_load(handle_ptr(t->owner, h), 0);
            bin_fill(tt, t, c, h);
        }
        uint64_t h = tc_bin_pop(tt, c);
        if (h != WALLOC_NULL)
            return h;
    }
    if (t->chunk_size == 0 || size * 4 > t->chunk_size)
        return WALLOC_NULL;
    if (tc_get(&tt->chunk_end) - tc_get(&tt->chunk_cur) < size) {
        bool renewed = chunk_renew(tt, t);
        uint64_t h = tc_bin_pop(tt, c); /* carving the old chunk may have filled this bin */
        if (h != WALLOC_NULL)
            return h;
        if (!renewed)
            return WALLOC_NULL;
    }
    uint64_t h = tc_get(&tt->chunk_cur);
    tc_set(&tt->chunk_cur, h + size);
    tc_add(&tt->allocs, 1);
    return h;
}

/* Moves every block the cache holds for tier t to the shared freelists. */
static void drain_tier(struct tc_tier *tt, struct tier *t)
{
    uint64_t cur = tc_get(&tt->chunk_cur), rest = tc_get(&tt->chunk_end) - cur;
    tc_set(&tt->chunk_cur, 0);
    tc_set(&tt->chunk_end, 0);
    carve_into_bins(tt, t, cur, rest);
    for (unsigned c = 0; c < t->class_count; c++)
        bin_flush_bottom(tt, t, c, bin_depth(&tt->bins[c]));
}

/* The tier's epoch moved: forget what the cache holds for it (the blocks are gone). */
static void tier_renew(struct tc_tier *tt, struct tier *t)
{
    for (unsigned c = 0; c < WALLOC_CLASS_COUNT_MAX; c++) {
        struct tc_bin *b = &tt->bins[c];
        uint32_t depth = bin_depth(b);
        tc_add(&b->pops, depth);
        tc_add(&tt->not_allocs, depth);
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
        for (unsigned c = 0; c < t->class_count; c++)
            tt->bins[c].limit = bin_limit(t, c);
        atomic_store_explicit(&tt->epoch, atomic_load_explicit(&t->epoch, memory_order_relaxed),
                              memory_order_relaxed);
    }
}

/* Allocation and free totals of a cache's tier. */
static void tier_totals(const struct tc_tier *tt, unsigned classes, uint64_t *allocs, uint64_t *frees)
{
    uint64_t pops = 0, pushes = 0;
    for (unsigned c = 0; c < classes; c++) {
        pops += tc_get(&tt->bins[c].pops);
        pushes += tc_get(&tt->bins[c].pushes);
    }
    *allocs = tc_get(&tt->allocs) + pops - tc_get(&tt->not_allocs);
    *frees = pushes - tc_get(&tt->not_frees);
}

static void tcache_free(struct tcache *tc)
{
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++)
        for (unsigned c = 0; c < WALLOC_CLASS_COUNT_MAX; c++)
            if (tc->tiers[i].bins[c].slots != NULL)
                platform_meta_free(tc->tiers[i].bins[c].slots,
                                   (size_t)tc->tiers[i].bins[c].cap * sizeof(uint64_t));
    platform_meta_free(tc, sizeof *tc);
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
            atomic_load_explicit(&t->epoch, memory_order_relaxed))
            drain_tier(tt, t);
        uint64_t allocs, frees;
        tier_totals(tt, t->class_count, &allocs, &frees);
        counter_add(&t->allocs, allocs);
        counter_add(&t->frees, frees);
    }
    if (tc->prev)
        tc->prev->next = tc->next;
    else
        w->tcaches = tc->next;
    if (tc->next)
        tc->next->prev = tc->prev;
    wl_unlock(&w->tc_lock);
    tcache_free(tc);
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
    walloc_tl.key = 0;
    wl_unlock(&g_lock);
}

static void make_exit_key(void)
{
    pthread_key_create(&g_exit_key, thread_exit);
}
#endif

/* Slot 0 for w: found in another slot, or a new cache. */
static struct tcache *tcache_attach(walloc *w)
{
    walloc_tl.key = 0; /* slot 0 changes */
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

struct tcache *tcache_current(walloc *w)
{
    /* Read the key before the epochs: a reset moves an epoch before the key, so a key read
     * here that is already stale fails the next fast-path compare. */
    uint64_t key = atomic_load_explicit(&w->fast_key, memory_order_acquire);
    struct tcache *tc = walloc_tl.id[0] == w->id ? walloc_tl.tc[0] : tcache_attach(w);
    if (tc == NULL)
        return NULL;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        struct tc_tier *tt = &tc->tiers[i];
        struct tier *t = &w->tiers[i];
        if (atomic_load_explicit(&tt->epoch, memory_order_relaxed) !=
            atomic_load_explicit(&t->epoch, memory_order_relaxed))
            tier_renew(tt, t);
    }
    if (!w->checked)
        walloc_tl.key = key;
    return tc;
}

void tcache_tier_totals(walloc *w, const struct tier *t, uint64_t *cached, uint64_t *allocs,
                        uint64_t *frees)
{
    /* The tier's own counters are read under the lock too: a thread that exits moves its cache's
     * totals into them and unlinks the cache in one locked step (tcache_retire); read before the
     * lock, that cache's frees were in neither sum and live blocks showed one too many. */
    wl_lock(&w->tc_lock);
    uint64_t c = 0, a = counter_get(&t->allocs), f = counter_get(&t->frees);
    for (struct tcache *tc = w->tcaches; tc != NULL; tc = tc->next) {
        const struct tc_tier *tt = &tc->tiers[t->id];
        uint64_t ta, tf;
        tier_totals(tt, t->class_count, &ta, &tf);
        a += ta, f += tf;
        if (atomic_load_explicit(&tt->epoch, memory_order_relaxed) ==
            atomic_load_explicit(&t->epoch, memory_order_relaxed)) {
            c += tc_get(&tt->chunk_end) - tc_get(&tt->chunk_cur);
            for (unsigned k = 0; k < t->class_count; k++)
                c += (uint64_t)bin_depth(&tt->bins[k]) * t->class_size[k];
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
        tcache_free(tc);
    }
    w->tcaches = NULL;
    wl_unlock(&w->tc_lock);
#endif
    wl_unlock(&g_lock);
}
