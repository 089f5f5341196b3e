/*
 * walloc.c - instances, allocation and free (the fast paths), reset, compact, statistics.
 *
 * Allocation of a small block: the calling thread's bin for (tier, class); else a batch from
 * the tier's shared freelist or the thread's private bump chunk (tcache_refill); else the
 * tier's atomic bump head; else no room. Large blocks (above the tier's small_max): large.c.
 */
#include <math.h>
#include <string.h>

#include "block.h"
#include "checked.h"
#include "freelist.h"
#include "internal.h"
#include "large.h"
#include "thread_cache.h"
#include "tier.h"

/* WebAssembly: the module has a size budget, so everything in this file but the allocation and
 * free fast paths (and instance_check_range, run by every checked copy) is compiled for size
 * there (measured in wasm-emscripten/build.sh). Native builds are not affected. */
#if defined(__wasm__)
#define WASM_MINSIZE_BEGIN _Pragma("clang attribute push(__attribute__((minsize)), apply_to = function)")
#define WASM_MINSIZE_END _Pragma("clang attribute pop")
#else
#define WASM_MINSIZE_BEGIN
#define WASM_MINSIZE_END
#endif

WASM_MINSIZE_BEGIN

#define MIN_CAPACITY (64u * 1024u)
#if WALLOC_PLATFORM_RESERVES
#define MAX_CAPACITY (UINT64_C(64) << 30)
#else
#define MAX_CAPACITY (UINT64_C(4) << 30)
#endif

static const double default_ratio[WALLOC_TIER_COUNT] = {0.5, 0.3, 0.2};

walloc_config walloc_config_default(void)
{
    walloc_config c;
    memset(&c, 0, sizeof c);
    c.capacity = UINT64_C(256) << 20;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++)
        c.tier_ratio[i] = default_ratio[i];
#ifdef WALLOC_CHECKED_DEFAULT
    c.checked = 1;
#endif
    return c;
}

uint32_t walloc_tier_alignment(walloc_tier tier)
{
    static const uint32_t align[WALLOC_TIER_COUNT] = {128, 64, 8};
    return (unsigned)tier < WALLOC_TIER_COUNT ? align[tier] : 0;
}

/* Bytes of tier i under config c: floor(capacity * ratio), in whole 4 KiB units (native pages;
 * WebAssembly grows 64 KiB pages but a tier's budget need not fill them). */
static uint64_t tier_capacity(const walloc_config *c, unsigned i)
{
    uint64_t unit = WALLOC_LARGE_GRANULE;
    return (uint64_t)floor((double)c->capacity * c->tier_ratio[i]) / unit * unit;
}

walloc_status walloc_config_validate(const walloc_config *c)
{
    if (c == NULL)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if (c->capacity < MIN_CAPACITY || c->capacity > MAX_CAPACITY)
        return WALLOC_ERR_INVALID_CONFIG;
    double sum = 0;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        double r = c->tier_ratio[i];
        if (!(r > 0 && r <= 1)) /* also rejects NaN */
            return WALLOC_ERR_INVALID_CONFIG;
        sum += r;
        uint64_t cap = tier_capacity(c, i);
        /* at least one page; freelist indices are 32-bit counts of the alignment */
        if (cap == 0 || cap / walloc_tier_alignment((walloc_tier)i) >= UINT32_MAX)
            return WALLOC_ERR_INVALID_CONFIG;
    }
    return sum <= 1.0 + 1e-9 ? WALLOC_OK : WALLOC_ERR_INVALID_CONFIG;
}

walloc *walloc_create(const walloc_config *config)
{
    walloc_config def = walloc_config_default();
    const walloc_config *c = config ? config : &def;
    if (walloc_config_validate(c) != WALLOC_OK)
        return NULL;
    walloc *w = platform_meta_alloc(sizeof *w);
    if (w == NULL)
        return NULL;
    uint64_t caps[WALLOC_TIER_COUNT];
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++)
        caps[i] = tier_capacity(c, i);
#if WALLOC_PLATFORM_RESERVES
    uint64_t total = caps[0] + caps[1] + caps[2];
    w->base = platform_reserve(total);
    if (w->base == NULL) {
        platform_meta_free(w, sizeof *w);
        return NULL;
    }
    w->reserved = total;
#endif
    w->checked = c->checked != 0;
    if (w->checked && (w->table = checked_create()) == NULL) {
#if WALLOC_PLATFORM_RESERVES
        platform_release(w->base, total);
#endif
        platform_meta_free(w, sizeof *w);
        return NULL;
    }
    uint64_t start = 0;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        tier_init(&w->tiers[i], w, (walloc_tier)i, start, caps[i]);
        start += caps[i];
        w->tier_end[i] = start;
    }
#if !WALLOC_PLATFORM_RESERVES
    if ((w->page_owner = platform_meta_alloc(WASM_PAGES)) == NULL) {
        checked_destroy(w->table);
        platform_meta_free(w, sizeof *w);
        return NULL;
    }
#endif
    wl_mutex_init(&w->tc_lock);
    tcache_register_instance(w);
    /* Checked instances never take fast paths: no thread's key is ever all ones. */
    atomic_init(&w->fast_key, w->checked ? UINT64_MAX : w->id << 32);
    return w;
}

/* Everything of w but its reservation (native) and w itself. */
static void destroy_metadata(walloc *w)
{
    tcache_unregister_instance(w);
    checked_destroy(w->table);
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
#if !WALLOC_PLATFORM_RESERVES
        /* WebAssembly memory cannot shrink: the platform keeps the segments for reuse. */
        struct tier *t = &w->tiers[i];
        for (uint32_t k = 0; k < atomic_load_explicit(&t->seg_count, memory_order_relaxed); k++)
            platform_release(handle_ptr(w, t->segs[k].base), t->segs[k].size);
#endif
        tier_fini(&w->tiers[i]);
    }
#if !WALLOC_PLATFORM_RESERVES
    platform_meta_free(w->page_owner, WASM_PAGES);
#endif
    wl_mutex_destroy(&w->tc_lock);
}

void walloc_destroy(walloc *w)
{
    if (w == NULL)
        return;
    walloc_region r = walloc_region_of(w);
    destroy_metadata(w);
    platform_meta_free(w, sizeof *w);
    walloc_region_release(r);
}

walloc_region walloc_region_of(const walloc *w)
{
#if WALLOC_PLATFORM_RESERVES
    if (w != NULL)
        return (walloc_region){w->base, w->reserved};
#endif
    (void)w;
    return (walloc_region){NULL, 0};
}

walloc_region walloc_destroy_keep_region(walloc *w)
{
    if (w == NULL)
        return (walloc_region){NULL, 0};
    walloc_region r = walloc_region_of(w);
    destroy_metadata(w);
    platform_meta_free(w, sizeof *w);
    if (r.base != NULL) {
        /* Whoever still holds a pointer may use it: no sanitizer report, no RAM kept. */
        block_unpoison(r.base, r.size);
        platform_decommit(r.base, r.size);
    }
    return r;
}

void walloc_region_release(walloc_region region)
{
    if (region.base != NULL)
        platform_release(region.base, region.size);
}

/* The tier whose memory holds h, or NULL. */
static struct tier *tier_of_handle(const walloc *w, uint64_t h)
{
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++)
        if (tier_contains(&w->tiers[i], h))
            return (struct tier *)&w->tiers[i];
    return NULL;
}

/* Cuts [h, h + bytes) into blocks of the largest classes that fit and puts them on the shared
 * freelists (so they stay counted as free). */
static void recycle_tail(struct tier *t, uint64_t h, uint64_t bytes)
{
    while (bytes >= t->align) {
        uint64_t want = bytes < t->small_max ? bytes : t->small_max;
        unsigned c = tier_class_of(t, want);
        if (t->class_size[c] > want)
            c--;
        block_poison(handle_ptr(t->owner, h), t->class_size[c]);
        freelist_push_chain(t, &t->lists[c], h, h, t->class_size[c]);
        h += t->class_size[c];
        bytes -= t->class_size[c];
    }
}

/* A block of a class from the bump head, or once that is full, from a free large extent (cut
 * in 4 KiB units; the rest of the cut goes to the freelists). */
static uint64_t bump_or_take(struct tier *t, uint64_t class_size)
{
    uint64_t h = tier_bump(t, class_size);
    if (h != WALLOC_NULL)
        return h;
    uint64_t cut = large_round(class_size);
    if ((h = large_take(t, cut)) != WALLOC_NULL)
        recycle_tail(t, h + class_size, cut - class_size);
    return h;
}

static uint64_t alloc_small(walloc *w, struct tier *t, uint64_t size)
{
    unsigned c = tier_class_of(t, size);
    uint64_t h;
#if WALLOC_THREAD_CACHE
    struct tcache *tc = tcache_current(w);
    if (likely(tc != NULL)) {
        struct tc_tier *tt = &tc->tiers[t->id];
        if ((h = tc_bin_pop(tt, c)) != WALLOC_NULL || (h = tcache_refill(tt, t, c)) != WALLOC_NULL)
            return h;
        if ((h = bump_or_take(t, t->class_size[c])) != WALLOC_NULL)
            tc_add(&tt->allocs, 1);
        return h;
    }
#endif
    unsigned n;
    h = freelist_pop_chain(t, &t->lists[c], 1, t->class_size[c], &n);
    if (h == WALLOC_NULL && (h = bump_or_take(t, t->class_size[c])) == WALLOC_NULL)
        return WALLOC_NULL;
    counter_add(&t->allocs, 1);
    return h;
}

static uint64_t alloc_large(struct tier *t, uint64_t size)
{
    if (size > t->capacity)
        return WALLOC_NULL;
    uint64_t h = large_alloc(t, large_round(size));
    if (h != WALLOC_NULL)
        counter_add(&t->allocs, 1);
    return h;
}

/* Returns a block to its tier, after every check has passed. bsize: the block's real size. */
static void release_block(walloc *w, struct tier *t, uint64_t h, uint64_t size, uint64_t bsize)
{
    block_poison(handle_ptr(w, h), bsize);
    if (size > t->small_max) {
        large_free(t, h, bsize);
        counter_add(&t->frees, 1);
        return;
    }
    unsigned c = tier_class_of(t, size);
#if WALLOC_THREAD_CACHE
    struct tcache *tc = tcache_current(w);
    if (likely(tc != NULL) && tcache_bin_push(&tc->tiers[t->id], t, c, h))
        return; /* counted as a free by the bin */
#endif
    freelist_push_chain(t, &t->lists[c], h, h, bsize);
    counter_add(&t->frees, 1);
}

/* Everything walloc_alloc's fast path does not handle: empty bins, size 0, large blocks,
 * checked mode, WebAssembly. */
__attribute__((noinline)) static walloc_handle alloc_slow(walloc *w, struct tier *t, uint64_t size)
{
    uint64_t req = size ? size : 1;
    uint64_t h = likely(req <= t->small_max) ? alloc_small(w, t, req) : alloc_large(t, req);
    if (unlikely(h == WALLOC_NULL)) {
        counter_add(&t->failed_allocs, 1);
        return WALLOC_NULL;
    }
    block_unpoison(handle_ptr(w, h), size);
    if (unlikely(w->checked) && !checked_on_alloc(w->table, h, size)) {
        release_block(w, t, h, req, tier_block_size(t, req));
        counter_add(&t->failed_allocs, 1);
        return WALLOC_NULL;
    }
    return h;
}

/* Everything walloc_free's fast path does not handle, including every error status. */
__attribute__((noinline)) static walloc_status free_slow(walloc *w, walloc_handle h, uint64_t size)
{
    struct tier *t = tier_of_handle(w, h);
    if (unlikely(t == NULL || (h & (t->align - 1)) != 0))
        return WALLOC_ERR_INVALID_HANDLE;
    uint64_t req = size ? size : 1;
    if (unlikely(req > t->capacity))
        return WALLOC_ERR_OUT_OF_BOUNDS;
    uint64_t bsize = tier_block_size(t, req);
    walloc_status s = tier_check_range(t, h, bsize);
    if (unlikely(s != WALLOC_OK)) /* a freed large block may have gone back to the head */
        return w->checked && checked_was_freed(w->table, h) ? WALLOC_ERR_DOUBLE_FREE : s;
    if (unlikely(w->checked) && (s = checked_on_free(w->table, h, size)) != WALLOC_OK)
        return s;
    release_block(w, t, h, req, bsize);
    return WALLOC_OK;
}

WASM_MINSIZE_END

#if WALLOC_THREAD_CACHE
/* The key under which this thread's slot 0 serves w without further checks (see tl_slots). */
static inline uint64_t fast_key(const walloc *w)
{
    return atomic_load_explicit(&w->fast_key, memory_order_relaxed);
}
#endif

walloc_handle walloc_alloc(walloc *w, uint64_t size, walloc_tier tier)
{
    if (unlikely(w == NULL || (unsigned)tier >= WALLOC_TIER_COUNT))
        return WALLOC_NULL;
    struct tier *t = &w->tiers[tier];
#if WALLOC_THREAD_CACHE
    /* Fast path: the top of this thread's bin; no atomic read-modify-write, no free memory read. */
    if (likely(size - 1 < t->small_max && walloc_tl.key == fast_key(w))) {
        struct tc_bin *b = &walloc_tl.tc[0]->tiers[tier].bins[tier_class_of(t, size)];
        uint64_t pops = tc_get(&b->pops), n = tc_get(&b->pushes) - pops;
        if (likely(n != 0)) {
            tc_set(&b->pops, pops + 1);
            uint64_t h = b->slots[n - 1];
            block_unpoison(handle_ptr(w, h), size);
            return h;
        }
    }
#endif
    return alloc_slow(w, t, size);
}

#if WALLOC_THREAD_CACHE
/* The free fast path for a block that lies in tier ti (segment seg in WebAssembly): onto this
 * thread's bin while it has room. false for anything unusual, including every error and a full
 * bin: free_slow re-checks those from scratch. */
static inline __attribute__((always_inline)) bool free_to_bin(walloc *w, size_t ti, unsigned seg,
                                                              walloc_handle h, uint64_t size)
{
    struct tier *t = &w->tiers[ti];
    if (unlikely((h & (t->align - 1)) != 0 || size - 1 >= t->small_max || walloc_tl.key != fast_key(w)))
        return false;
    unsigned c = tier_class_of(t, size);
    uint64_t bsize = t->class_size[c];
    struct tc_bin *b = &walloc_tl.tc[0]->tiers[ti].bins[c];
    uint64_t pushes = tc_get(&b->pushes), n = pushes - tc_get(&b->pops);
#if WALLOC_PLATFORM_RESERVES
    (void)seg;
    if (unlikely(n >= b->cap || !tier_block_handed_out(t, h, bsize)))
#else
    if (unlikely(n >= b->cap || !tier_seg_block_handed_out(t, seg, h, bsize)))
#endif
        return false;
    block_poison(handle_ptr(w, h), bsize);
    b->slots[n] = h;
    tc_set(&b->pushes, pushes + 1);
    return true;
}
#endif

walloc_status walloc_free(walloc *w, walloc_handle h, uint64_t size)
{
    if (unlikely(w == NULL))
        return WALLOC_ERR_INVALID_ARGUMENT;
#if WALLOC_THREAD_CACHE && WALLOC_PLATFORM_RESERVES
    /* Branches pick the tier, each with its own copy of the fast path, where the tier is a
     * constant. Computed from h instead, the bin's address waited for h, which in an allocate
     * then free is the last value to arrive (the pair's chain of dependent loads grew by the
     * tier arithmetic: 5.7 -> 4.4-4.65 ns per pair). BOTTOM, the tier of short-lived blocks,
     * is tested first and falls straight through; each taken jump cost TOP and MIDDLE ~0.3 ns.
     * Tier i spans [tier_end[i-1], tier_end[i]), TOP from 0; WALLOC_NULL lies past them all. */
    if (likely(h >= w->tier_end[1])) {
        if (h < w->tier_end[2] && free_to_bin(w, 2, 0, h, size))
            return WALLOC_OK;
    } else if (h >= w->tier_end[0]) {
        if (free_to_bin(w, 1, 0, h, size))
            return WALLOC_OK;
    } else if (free_to_bin(w, 0, 0, h, size)) {
        return WALLOC_OK;
    }
#elif WALLOC_THREAD_CACHE
    /* WebAssembly: the page map gives tier and segment; one copy of the fast path keeps
     * walloc_free small enough for V8 to inline. */
    uint8_t owner = h < ((uint64_t)WASM_PAGES << WASM_PAGE_SHIFT) ? w->page_owner[h >> WASM_PAGE_SHIFT] : 0;
    if (owner != 0 && free_to_bin(w, PAGE_OWNER_TIER(owner), PAGE_OWNER_SEG(owner), h, size))
        return WALLOC_OK;
#endif
    return free_slow(w, h, size);
}

WASM_MINSIZE_BEGIN

walloc_status walloc_alloc_batch(walloc *w, const uint64_t *sizes, const int32_t *tiers,
                                 size_t count, walloc_handle *out)
{
    if (w == NULL || (count > 0 && (sizes == NULL || tiers == NULL || out == NULL)))
        return WALLOC_ERR_INVALID_ARGUMENT;
    walloc_status s = WALLOC_OK;
    for (size_t i = 0; i < count && s == WALLOC_OK; i++) {
        if ((uint32_t)tiers[i] >= WALLOC_TIER_COUNT)
            s = WALLOC_ERR_INVALID_TIER;
        else if (sizes[i] > w->tiers[tiers[i]].capacity)
            s = WALLOC_ERR_INVALID_SIZE;
    }
    size_t done = 0;
    for (; done < count && s == WALLOC_OK; done++) {
        out[done] = walloc_alloc(w, sizes[done], (walloc_tier)tiers[done]);
        if (out[done] == WALLOC_NULL)
            s = WALLOC_ERR_OUT_OF_MEMORY;
    }
    if (s != WALLOC_OK) {
        for (size_t i = 0; i < done; i++)
            if (out[i] != WALLOC_NULL)
                walloc_free(w, out[i], sizes[i]);
        for (size_t i = 0; i < count; i++)
            out[i] = WALLOC_NULL;
    }
    return s;
}

/* Poisons what the tier handed out from logical offset from on, and in checked mode forgets the
 * blocks there; returns how many live blocks were forgotten. */
static uint64_t release_above(walloc *w, struct tier *t, uint64_t from)
{
    uint64_t released = 0, before = 0;
    uint32_t count = atomic_load_explicit(&t->seg_count, memory_order_acquire);
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    for (uint32_t i = 0; i < count && i <= cur; i++) {
        const struct segment *sg = &t->segs[i];
        uint64_t end = i < cur ? sg->base + sg->size : atomic_load_explicit(&t->head, memory_order_relaxed);
        uint64_t lo = from > before ? sg->base + (from - before) : sg->base;
        if (lo < end) {
            block_poison(handle_ptr(w, lo), end - lo);
            if (w->checked)
                released += checked_forget_range(w->table, t, sg->base, lo, sg->base + sg->size);
        }
        before += sg->size;
    }
    return released;
}

static uint64_t shared_free_bytes(const struct tier *t)
{
    uint64_t sum = counter_get(&t->large.bytes);
    for (unsigned c = 0; c < t->class_count; c++)
        sum += counter_get(&t->lists[c].bytes);
    return sum;
}

/* Sends every thread's next call on w through the slow path, where its cache sees the new
 * epoch. The low 32 bits count (and wrap) on their own; the high ones stay the instance id. */
static void bump_fast_key(walloc *w)
{
    if (w->checked)
        return;
    uint64_t key = atomic_load_explicit(&w->fast_key, memory_order_relaxed), next;
    do
        next = (key & ~(uint64_t)UINT32_MAX) | (uint32_t)(key + 1);
    while (!atomic_compare_exchange_weak_explicit(&w->fast_key, &key, next, memory_order_release,
                                                  memory_order_relaxed));
}

/* Reset and compact: everything at or above keep is released. */
static walloc_status rewind_tier(walloc *w, walloc_tier tier, uint64_t keep)
{
    if (w == NULL)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if ((unsigned)tier >= WALLOC_TIER_COUNT)
        return WALLOC_ERR_INVALID_TIER;
    struct tier *t = &w->tiers[tier];
    uint64_t used = tier_used(t);
    keep = keep >= used ? used : align_up(keep, t->align);
    if (keep > used)
        keep = used;
    tcache_lock(w); /* no thread-exit flush may push into the lists we clear */
    atomic_fetch_add_explicit(&t->epoch, 1, memory_order_release);
    bump_fast_key(w);
    for (unsigned c = 0; c < t->class_count; c++)
        freelist_clear(&t->lists[c]);
    large_clear(t);
    uint64_t released = release_above(w, t, keep);
    tier_rewind(t, keep);
    tcache_unlock(w);

    uint64_t cached, allocs, frees;
    tcache_tier_totals(w, t, &cached, &allocs, &frees);
    if (keep == 0)
        atomic_store_explicit(&t->live_base, (int64_t)(allocs - frees), memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&t->live_base, (int64_t)released, memory_order_relaxed);
    counter_add(&t->resets, 1);
    return WALLOC_OK;
}

walloc_status walloc_reset_tier(walloc *w, walloc_tier tier)
{
    return rewind_tier(w, tier, 0);
}

walloc_status walloc_compact_tier(walloc *w, walloc_tier tier, uint64_t keep_bytes)
{
    return rewind_tier(w, tier, keep_bytes);
}

walloc_status walloc_tier_stats(const walloc *cw, walloc_tier tier, walloc_stats *out)
{
    if (cw == NULL || out == NULL)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if ((unsigned)tier >= WALLOC_TIER_COUNT)
        return WALLOC_ERR_INVALID_TIER;
    walloc *w = (walloc *)cw; /* the registry lock is taken; nothing observable changes */
    const struct tier *t = &w->tiers[tier];
    memset(out, 0, sizeof *out);
    tier_memory_stats(t, out);
    uint64_t cached, allocs, frees;
    tcache_tier_totals(w, t, &cached, &allocs, &frees);
    out->free_bytes = cached + shared_free_bytes(t);
    uint64_t busy = out->free_bytes + out->wasted_bytes;
    out->live_bytes = out->bump_head > busy ? out->bump_head - busy : 0;
    int64_t live = (int64_t)(allocs - frees) - atomic_load_explicit(&t->live_base, memory_order_relaxed);
    out->live_blocks = live > 0 ? (uint64_t)live : 0;
    out->total_allocs = allocs;
    out->total_frees = frees;
    out->failed_allocs = counter_get(&t->failed_allocs);
    out->resets = counter_get(&t->resets);
    return WALLOC_OK;
}

uint64_t walloc_block_size(const walloc *w, walloc_tier tier, uint64_t size)
{
    if (w == NULL || (unsigned)tier >= WALLOC_TIER_COUNT)
        return 0;
    const struct tier *t = &w->tiers[tier];
    uint64_t req = size ? size : 1;
    return req > t->capacity ? 0 : tier_block_size(t, req);
}

walloc_status walloc_tier_of(const walloc *w, walloc_handle h, walloc_tier *out)
{
    if (w == NULL || out == NULL)
        return WALLOC_ERR_INVALID_ARGUMENT;
    const struct tier *t = tier_of_handle(w, h);
    if (t == NULL || tier_check_range(t, h, 0) != WALLOC_OK)
        return WALLOC_ERR_INVALID_HANDLE;
    *out = t->id;
    return WALLOC_OK;
}

WASM_MINSIZE_END

walloc_status instance_check_range(const walloc *w, uint64_t h, uint64_t n)
{
    const struct tier *t = tier_of_handle(w, h);
    return t == NULL ? WALLOC_ERR_INVALID_HANDLE : tier_check_range(t, h, n);
}
