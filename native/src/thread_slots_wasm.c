/*
 * thread_slots_wasm.c - thread_slots.c for WebAssembly builds without threads: the one thread
 * keeps one cache per instance, in the instance itself, and never exits.
 */
#if defined(__wasm__)

#include "profile.h"
#include "thread_cache.h"

static uint64_t g_next_id = 1;

/* What w0 holds when no fast path may run: an address no instance has. */
_Alignas(64) static const char no_instance; /* aligned like a walloc */
#define NO_INSTANCE ((walloc *)&no_instance)
#define NO_CACHE ((struct tcache *)&no_instance)

struct tl_slots wl_tl = {.w0 = NO_INSTANCE, .tc0 = NO_CACHE};

struct tcache *wl_tcache_current(walloc *w)
{
    struct tcache *tc = w->tcaches;
    while (tc != NULL && tc->tl != &wl_tl) /* the profile's sampler is no thread's */
        tc = tc->next;
    if (tc == NULL && (tc = wl_tcache_new(w, &wl_tl)) == NULL)
        return NULL;
    /* Frees take the fast path unless w is checked; allocations also unless w samples them. */
    atomic_store_explicit(&wl_tl.tc0, instance_checked(w) ? NO_CACHE : tc, memory_order_relaxed);
    atomic_store_explicit(&wl_tl.w0, instance_checked(w) || profile_samples_walloc_alloc(w) ? NO_INSTANCE : w,
                          memory_order_relaxed);
    return tc;
}

void wl_tcache_register_instance(walloc *w)
{
    w->id = g_next_id++;
}

void wl_tcache_unregister_instance(walloc *w)
{
    wl_tcache_free_all(w, NO_INSTANCE, NO_CACHE);
}

#endif /* __wasm__ */
