/*
 * thread_slots.c - which cache each thread uses, for up to TL_SLOTS instances at once, and what
 * happens to them when the thread exits. The registry of live instances gives each an id that is
 * never reused, so a slot can tell a destroyed instance from a new one at the same address.
 * The thread's exit reaches thread_exit through the platform layer (platform_thread.h): a
 * pthread key natively, the host's walloc_thread_exit() call in WebAssembly with threads
 * (walloc-mt.wasm). WebAssembly with one thread uses thread_slots_wasm.c instead.
 */
#include "platform_thread.h"
#include "profile.h"
#include "thread_cache.h"

/* Registry of live instances: ids are never reused, so a thread's slot can tell a destroyed
 * instance from a new one at the same address. */
static wl_mutex g_lock = WL_MUTEX_INIT;
static walloc *g_live;
static uint64_t g_next_id = 1;

/* What w0 holds when no fast path may run: an address no instance has, so that a NULL instance
 * argument never matches it. */
_Alignas(64) static const char no_instance; /* aligned like a walloc */
#define NO_INSTANCE ((walloc *)&no_instance)
#define NO_CACHE ((struct tcache *)&no_instance)

__thread struct tl_slots wl_tl __attribute__((tls_model("initial-exec"))) = {.w0 = NO_INSTANCE, .tc0 = NO_CACHE};

static walloc *live_instance(uint64_t id)
{
    for (walloc *w = g_live; w != NULL; w = w->next_live)
        if (w->id == id)
            return w;
    return NULL;
}

static void thread_exit(void)
{
    atomic_store_explicit(&wl_tl.w0, NO_INSTANCE, memory_order_relaxed);
    atomic_store_explicit(&wl_tl.tc0, NO_CACHE, memory_order_relaxed);
    wl_lock(&g_lock);
    for (unsigned i = 0; i < TL_SLOTS; i++) {
        if (wl_tl.id[i] != 0 && live_instance(wl_tl.id[i]) != NULL)
            wl_tcache_retire(wl_tl.tc[i]);
        wl_tl.id[i] = 0;
        wl_tl.tc[i] = NULL;
    }
    wl_unlock(&g_lock);
}

/* Slot 0 for w: found in another slot, or a new cache. */
static struct tcache *tcache_attach(walloc *w)
{
    for (unsigned i = 1; i < TL_SLOTS; i++) {
        if (wl_tl.id[i] == w->id) { /* move to front */
            struct tcache *tc = wl_tl.tc[i];
            wl_tl.id[i] = wl_tl.id[0], wl_tl.tc[i] = wl_tl.tc[0];
            wl_tl.id[0] = w->id, wl_tl.tc[0] = tc;
            return tc;
        }
    }
    wl_lock(&g_lock);
    /* A free slot, or one whose instance is gone, or else evict the least recent. */
    unsigned slot = TL_SLOTS - 1;
    for (unsigned i = 0; i < TL_SLOTS; i++) {
        if (wl_tl.id[i] == 0 || live_instance(wl_tl.id[i]) == NULL) {
            slot = i;
            break;
        }
    }
    if (wl_tl.id[slot] != 0 && live_instance(wl_tl.id[slot]) != NULL)
        wl_tcache_retire(wl_tl.tc[slot]);
    wl_tl.id[slot] = 0;
    struct tcache *tc = wl_tcache_new(w, &wl_tl);
    wl_unlock(&g_lock);
    if (tc == NULL)
        return NULL;
    for (unsigned i = slot; i > 0; i--) {
        wl_tl.id[i] = wl_tl.id[i - 1];
        wl_tl.tc[i] = wl_tl.tc[i - 1];
    }
    wl_tl.id[0] = w->id;
    wl_tl.tc[0] = tc;
    wl_platform_thread_exit_arm(thread_exit);
    return tc;
}

struct tcache *wl_tcache_current(walloc *w)
{
    struct tcache *tc = wl_tl.id[0] == w->id ? wl_tl.tc[0] : NULL;
    if (tc == NULL) {
        atomic_store_explicit(&wl_tl.w0, NO_INSTANCE, memory_order_relaxed); /* slot 0 changes */
        atomic_store_explicit(&wl_tl.tc0, NO_CACHE, memory_order_relaxed);
        if ((tc = tcache_attach(w)) == NULL)
            return NULL;
    }
    /* Frees take the fast path unless w is checked; allocations also unless w samples them. */
    atomic_store_explicit(&wl_tl.tc0, instance_checked(w) ? NO_CACHE : tc, memory_order_relaxed);
    atomic_store_explicit(&wl_tl.w0, instance_checked(w) || profile_samples_walloc_alloc(w) ? NO_INSTANCE : w,
                          memory_order_relaxed);
    return tc;
}

/* ------------------------------------------------------------------ instances -------------- */

void wl_tcache_register_instance(walloc *w)
{
    wl_lock(&g_lock);
    w->id = g_next_id++;
    w->next_live = g_live;
    g_live = w;
    wl_unlock(&g_lock);
}

void wl_tcache_unregister_instance(walloc *w)
{
    wl_lock(&g_lock);
    for (walloc **p = &g_live; *p != NULL; p = &(*p)->next_live) {
        if (*p == w) {
            *p = w->next_live;
            break;
        }
    }
    wl_tcache_free_all(w, NO_INSTANCE, NO_CACHE);
    wl_unlock(&g_lock);
}
