/*
 * walloc.c - allocation and free: the fast paths, and the slow paths behind them.
 *
 * Small blocks (up to the tier's small_max) live in spans (span.h) that threads own
 * (thread_cache.h): allocation pops the free list of the calling thread's current span for the
 * class, free pushes onto the list of the block's span when the calling thread owns it. Every
 * other case - an empty span, another thread's span, checked mode, large blocks, every error -
 * goes to a slow path. Large blocks are spans of one block, cut from the tier's free extents or
 * bump head (large.c). Samples of an allocation profile come from the profile's own cache and
 * go back to it (profile.h).
 */
#include "bins.h"
#include "block.h"
#include "checked.h"
#include "internal.h"
#include "large.h"
#include "profile.h"
#include "span.h"
#include "thread_cache.h"
#include "tier.h"

/* WebAssembly: the module has a size budget, so the slow paths are compiled for size there;
 * the fast paths are not (measured in wasm-emscripten/build.sh). Native builds are not
 * affected. */
#if defined(__wasm__)
#define WASM_MINSIZE_BEGIN _Pragma("clang attribute push(__attribute__((minsize)), apply_to = function)")
#define WASM_MINSIZE_END _Pragma("clang attribute pop")
#else
#define WASM_MINSIZE_BEGIN
#define WASM_MINSIZE_END
#endif

/* The site of a sample walloc_alloc takes: where its caller continues. WebAssembly has no
 * return addresses to read (hosts there pass sites to walloc_alloc_site). */
#if defined(__wasm__)
#define RETURN_ADDRESS() UINT64_C(0)
#else
#define RETURN_ADDRESS() ((uint64_t)(uintptr_t)__builtin_return_address(0))
#endif

WASM_MINSIZE_BEGIN

static walloc_status free_block(walloc *w, struct tier *t, uint64_t h, uint64_t req);

static uint64_t alloc_large(struct tier *t, uint64_t size)
{
    if (size > t->capacity)
        return WALLOC_NULL;
    wl_lock(&t->lock);
    struct span *s = wl_span_create_large(t, large_round(size));
    wl_unlock(&t->lock);
    return s != NULL ? s->lo : WALLOC_NULL;
}

/* A block of req (>= 1) bytes of tier t from cache tc (NULL: the calling thread's), counted. */
static uint64_t take_block(walloc *w, struct tier *t, uint64_t req, struct tcache *tc)
{
    if (req > t->small_max)
        return alloc_large(t, req);
    if (tc != NULL)
        return wl_tcache_alloc(tc, t, tier_class_of(t, req)); /* a sample */
    if ((tc = wl_tcache_current(w)) == NULL)
        return WALLOC_NULL; /* no memory for the thread's cache */
    if (WALLOC_BINS && !instance_checked(w))
        return wl_bins_refill(w, tc, t, tier_class_of(t, req));
    return wl_tcache_alloc(tc, t, tier_class_of(t, req));
}

/* A sample: a block from the profile's sampler, recorded at site. */
static uint64_t take_sample(walloc *w, struct tier *t, uint64_t req, uint64_t site)
{
    struct profile *p = profile_of(w);
    profile_lock(p);
    uint64_t h = take_block(w, t, req, p->sampler);
    if (h != WALLOC_NULL)
        wl_profile_record(p, h, site, t->id, tier_block_size(t, req));
    profile_unlock(p);
    return h;
}

/* Everything walloc_alloc's fast path does not handle: an empty current span, size 0, sizes
 * above the direct table, large blocks, checked mode, another instance in the thread's slot,
 * and samples (of site) of an instance's profile. */
__attribute__((noinline)) static walloc_handle alloc_slow(walloc *w, struct tier *t, uint64_t size, uint64_t site,
                                                          bool sample)
{
    uint64_t req = size ? size : 1;
    for (;;) {
        uint64_t h = unlikely(sample) ? take_sample(w, t, req, site) : take_block(w, t, req, NULL);
        if (unlikely(h == WALLOC_NULL)) {
            if (wl_bins_flush(w, t->id) != 0)
                continue; /* binned blocks held spans that now may empty */
            counter_add(&t->failed_allocs, 1);
            return WALLOC_NULL;
        }
        enum checked_alloc c = likely(!instance_checked(w)) ? CHECKED_NEW : wl_checked_on_alloc(w->table, h, size);
        if (likely(c == CHECKED_NEW)) {
            block_unpoison(handle_ptr(w, h), size);
            return h;
        }
        if (c == CHECKED_NO_ROOM) {
            free_block(w, t, h, req);
            counter_add(&t->failed_allocs, 1);
            return WALLOC_NULL;
        }
        /* A live block came off a free list: someone wrote into freed memory. Leave that block
         * to its owner, drop what is left of the list, and try again. */
        if (likely(!sample)) {
            wl_tcache_drop_free_list(w, wl_tcache_current(w), t, h);
        } else {
            profile_lock(profile_of(w));
            wl_tcache_drop_free_list(w, profile_of(w)->sampler, t, h);
            profile_unlock(profile_of(w));
        }
    }
}

/* The span of a small block, when h names one that span has handed out and size fits it;
 * else NULL and *status says what is wrong. */
static struct span *small_block(walloc *w, struct tier *t, uint64_t h, uint64_t req, walloc_status *status)
{
    struct span *s = span_at(w, h);
    if (s == NULL || s->csize == 0 || s->tier != t->id || !span_offset_ok(s, h - s->lo)) {
        *status = WALLOC_ERR_OUT_OF_BOUNDS;
        return NULL;
    }
    if (req > s->csize) { /* the block that size implies reaches past this one */
        *status = WALLOC_ERR_OUT_OF_BOUNDS;
        return NULL;
    }
    return s;
}

/* Frees block h of req bytes (>= 1) of tier t, checked; WALLOC_OK or why not. */
static walloc_status free_block(walloc *w, struct tier *t, uint64_t h, uint64_t req)
{
    walloc_status st;
    if (req <= t->small_max) {
        struct span *s = small_block(w, t, h, req, &st);
        if (s == NULL)
            return st;
        block_poison(handle_ptr(w, h), s->csize);
        if (likely(!profile_owns_span(w, s)))
            return wl_tcache_free(w, wl_tcache_current(w), t, s, h - s->lo);
        profile_lock(profile_of(w)); /* a sample: back to the sampler, off its site */
        wl_profile_forget(profile_of(w), h);
        st = wl_tcache_free(w, profile_of(w)->sampler, t, s, h - s->lo);
        profile_unlock(profile_of(w));
        return st;
    }
    if (profile_of(w) != NULL) /* a large block may be a sample */
        profile_lock(profile_of(w));
    wl_lock(&t->lock);
    struct span *s = span_at(w, h);
    st = WALLOC_ERR_OUT_OF_BOUNDS;
    if (s != NULL && s->csize == 0 && s->lo == h && large_round(req) <= ((uint64_t)s->pages << WALLOC_PAGE_SHIFT)) {
        atomic_store_explicit(&s->used, 0, memory_order_relaxed);
        wl_span_release(t, s);
        st = WALLOC_OK;
    }
    wl_unlock(&t->lock);
    if (profile_of(w) != NULL) {
        if (st == WALLOC_OK)
            wl_profile_forget(profile_of(w), h);
        profile_unlock(profile_of(w));
    }
    return st;
}

/* Whether h lies inside a live block of checked instance w without starting it: a record of a
 * block freed at h may be older than the block that holds h now (spans change class). */
static bool inside_live_block(walloc *w, struct tier *t, uint64_t h)
{
    wl_lock(&t->lock); /* spans change class and extent under it */
    const struct span *s = span_at(w, h);
    uint64_t start = s == NULL || s->pages == 0 ? h : s->csize == 0 ? s->lo : h - (h - s->lo) % s->csize;
    wl_unlock(&t->lock);
    return start != h && wl_checked_state_of(w->table, start) == CHECKED_LIVE_BLOCK;
}

/* Everything walloc_free's fast path does not handle, including every error status. */
__attribute__((noinline)) static walloc_status free_slow(walloc *w, walloc_handle h, uint64_t size)
{
    if (unlikely(w == NULL))
        return WALLOC_ERR_INVALID_ARGUMENT;
    struct tier *t = wl_tier_of_handle(w, h);
    if (unlikely(t == NULL || (h & (t->align - 1)) != 0))
        return WALLOC_ERR_INVALID_HANDLE;
    uint64_t req = size ? size : 1;
    if (unlikely(req > t->capacity))
        return WALLOC_ERR_OUT_OF_BOUNDS;
    walloc_status s;
    if (unlikely(instance_checked(w))) {
        if (wl_tier_check_range(t, h, tier_block_size(t, req)) != WALLOC_OK) /* past the head */
            return wl_checked_state_of(w->table, h) == CHECKED_FREED_BLOCK ? WALLOC_ERR_DOUBLE_FREE : WALLOC_ERR_OUT_OF_BOUNDS;
        if ((s = wl_checked_on_free(w->table, h, size)) == WALLOC_ERR_DOUBLE_FREE && inside_live_block(w, t, h))
            return WALLOC_ERR_NOT_A_BLOCK; /* freed, then its memory went to a block that is live */
        if (s != WALLOC_OK)
            return s;
    }
    return free_block(w, t, h, req);
}

/* A checked block of span s that another thread owns (or nobody): onto the span's remote list
 * with one CAS, unless w is checked, the span unowned or the profile's (free_slow). Without
 * threads the span is another instance's cache's, the profile's or nobody's: free_slow. */
__attribute__((noinline)) static walloc_status free_remote(walloc *w, struct span *s, walloc_handle h, uint64_t size)
{
    if (WALLOC_THREADS && !instance_checked(w) && atomic_load_explicit(&s->owner, memory_order_relaxed) != NULL &&
        !profile_owns_span(w, s)) {
        block_poison(handle_ptr(w, h), s->csize);
        if (wl_span_push_remote(w, s, h - s->lo))
            return WALLOC_OK;
        block_unpoison(handle_ptr(w, h), s->csize);
    }
    return free_slow(w, h, size);
}

WASM_MINSIZE_END

/* The fast path's allocation: pops the free list of cache tc's current span for a request of
 * size = g + 1 (g < DIRECT_MAX) bytes of tier into *out; false when it is empty. The span is tc's
 * own (only reset and compact, which never run during an allocation in their tier, take spans
 * from a cache, and they fix the cache's table); the link read from the free block is believed
 * only if it lies in a block the span handed out, aligned for the tier. */
static inline bool pop_current(walloc *w, struct tcache *tc, walloc_tier tier, uint64_t g, uint64_t size,
                               walloc_handle *out)
{
    struct span *s = tc->direct[tier][g >> 3];
    uint64_t h = s->free;
    if (unlikely(!span_handle_ok(s, h)))
        return false;
    s->free = block_word_load(handle_ptr(w, h), 0);
    atomic_store_explicit(&s->allocs, atomic_load_explicit(&s->allocs, memory_order_relaxed) + 1, memory_order_relaxed);
    atomic_store_explicit(&s->used, atomic_load_explicit(&s->used, memory_order_relaxed) + 1, memory_order_release);
    block_unpoison(handle_ptr(w, h), size);
    *out = h;
    return true;
}

/* WebAssembly has no return addresses for walloc_alloc to sample (hosts there sample themselves):
 * for size. */
WASM_MINSIZE_BEGIN
/* walloc_alloc on an instance that samples it (the fast path is not bound to it): counts down
 * to the calling thread's next sample, and between samples pops as the fast path does. */
__attribute__((noinline)) static walloc_handle alloc_counted(walloc *w, uint64_t size, walloc_tier tier, uint64_t site)
{
    struct tcache *tc = wl_tcache_current(w);
    bool due = tc != NULL && wl_profile_sample_due(profile_of(w), tc);
    uint64_t g = size - 1;
    walloc_handle h;
    if (likely(!due && tc != NULL && g < DIRECT_MAX && !instance_checked(w) && pop_current(w, tc, tier, g, size, &h)))
        return h;
    return alloc_slow(w, &w->tiers[tier], size, site, due);
}
WASM_MINSIZE_END

_Static_assert(!WALLOC_BINS || BIN_DIRECT_SLOTS == DIRECT_SLOTS,
               "the fast path indexes bins' class_of with the thread cache's direct-table index: "
               "BIN_DIRECT_MAX must equal DIRECT_MAX");

/* The fast path's pop for a request of size = g + 1 (g < DIRECT_MAX) bytes of tier: from the
 * bin of the request's class in builds with bins (bins.h), else from the current span of the
 * calling thread's cache when w is the instance it may take fast paths on. */
static inline bool pop_fast(walloc *w, walloc_tier tier, uint64_t g, uint64_t size, walloc_handle *out)
{
    if (WALLOC_BINS) {
        if (unlikely(w == NULL) || !bin_pop(&w->bins.bin[tier][w->bins.class_of[tier][g >> 3]], out))
            return false;
        block_unpoison(handle_ptr(w, *out), size);
        return true;
    }
    return atomic_load_explicit(&wl_tl.w0, memory_order_relaxed) == w &&
           pop_current(w, atomic_load_explicit(&wl_tl.tc0, memory_order_relaxed), tier, g, size, out);
}

walloc_handle walloc_alloc(walloc *w, uint64_t size, walloc_tier tier)
{
    uint64_t g = size - 1;
    walloc_handle h;
    if (likely(g < DIRECT_MAX && (unsigned)tier < WALLOC_TIER_COUNT && pop_fast(w, tier, g, size, &h)))
        return h;
    if (unlikely(w == NULL || (unsigned)tier >= WALLOC_TIER_COUNT))
        return WALLOC_NULL;
    if (unlikely(profile_samples_walloc_alloc(w)))
        return alloc_counted(w, size, tier, RETURN_ADDRESS());
    return alloc_slow(w, &w->tiers[tier], size, 0, false);
}

walloc_handle walloc_alloc_site(walloc *w, uint64_t size, walloc_tier tier, uint64_t site)
{
    if (w == NULL || profile_of(w) == NULL || (unsigned)tier >= WALLOC_TIER_COUNT)
        return walloc_alloc(w, size, tier);
    return alloc_slow(w, &w->tiers[tier], size, site, true);
}

walloc_status walloc_free(walloc *w, walloc_handle h, uint64_t size)
{
    /* Fast paths, for a block that lies in a span whose class the size fits, at an aligned
     * offset the span has handed out: when the calling thread owns the span (then tc0 is the
     * cache of w, and w is not checked), push it on the span's free list; the span tells its
     * owner's lists when it was full before or is empty now. When another thread owns it, push
     * it on the span's remote list (one CAS). Everything else: free_slow. */
    if (likely(w != NULL)) {
        struct span *s = span_at(w, h);
        if (likely(s != NULL)) {
            uint64_t d = h - s->lo;
            if (likely(size - 1 < s->csize && d <= span_last(s) && (d & s->amask) == 0)) {
                struct tcache *tc = atomic_load_explicit(&wl_tl.tc0, memory_order_relaxed);
                if (likely(atomic_load_explicit(&s->owner, memory_order_relaxed) == tc)) {
                    block_poison(handle_ptr(w, h), s->csize);
                    if (WALLOC_BINS && likely(bin_push(&w->bins.bin[s->tier][s->cls], h)))
                        return WALLOC_OK;
                    uint64_t was = span_push_local(w, s, h);
                    if (unlikely(was == SPAN_END ||
                                 (atomic_load_explicit(&s->used, memory_order_relaxed) == 0 && !s->kept_empty)))
                        return wl_tcache_after_free(tc, &w->tiers[s->tier], s);
                    return WALLOC_OK;
                }
                return free_remote(w, s, h, size);
            }
        }
    }
    return free_slow(w, h, size);
}
