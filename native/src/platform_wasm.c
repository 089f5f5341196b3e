/*
 * platform_wasm.c - platform_memory.h for WebAssembly (Emscripten, -sMALLOC=none).
 *
 * Linear memory only grows at its end and never shrinks, so:
 *   - tier memory comes from memory.grow in whole 64 KiB pages (wl_platform_grow). Segments given
 *     back with wl_platform_release are kept on a free list and handed out again by later
 *     wl_platform_grow calls (first fit, split at page granularity), so destroying an instance and
 *     creating another one does not grow memory again;
 *   - metadata (instance, thread caches) comes from a pool of grown pages (wl_platform_meta_alloc):
 *     first fit from an address-ordered, coalescing free list that fresh pages join, so freed
 *     metadata is reused by the next instance. Released segments are kept the same way;
 *   - decommit has nothing to do: grown memory is always readable and writable, and stays.
 *
 * A growth limit below the module's link-time maximum can be set with
 * wl_platform_wasm_set_max_bytes (the JavaScript wrapper's maximumMemory option).
 *
 * Thread safety: the free lists are shared by every thread of a threads build (walloc-mt.wasm,
 * Workers over one shared memory), so every entry point holds g_lock (lock.h: a no-op in the
 * single-threaded build). grow_pages uses memory.grow's own answer (the old size) as the new
 * memory's address, so growth by another thread, or by the JavaScript side taking pages for a
 * Worker's stack, between the size check and the grow is harmless: only the limit check is
 * approximate by what grew meanwhile.
 */
#if defined(__wasm__)

#include "platform_memory.h"

#include <string.h>

#include "lock.h"

static wl_mutex g_lock = WL_MUTEX_INIT;

#define WASM_PAGE ((size_t)65536)
#define META_ALIGN ((size_t)16)

/* ------------------------------------------------------------------ growth limit ------------ */

/* Maximum memory size in pages that wl_platform_grow may reach (65536 pages = 4 GiB). */
static uint32_t g_max_pages = 65536u;

/* Sets the highest memory size (in bytes, rounded down to pages) that growth may reach.
 * 0 restores the default (the module's own maximum). Not declared in platform_memory.h: only
 * the WebAssembly exports shim calls it. */
void wl_platform_wasm_set_max_bytes(uint64_t bytes) {
    uint64_t pages = bytes / WASM_PAGE;
    if (bytes == 0 || pages > 65536u) pages = 65536u;
    g_max_pages = (uint32_t)pages;
}

/* Grows memory by pages; returns the old end address or UINT64_MAX. */
static uint64_t grow_pages(size_t pages) {
    size_t cur = __builtin_wasm_memory_size(0);
    if (pages == 0) return (uint64_t)cur * WASM_PAGE;
    if ((uint64_t)cur + pages > g_max_pages) return UINT64_MAX;
    size_t old = __builtin_wasm_memory_grow(0, pages);
    if (old == (size_t)-1) return UINT64_MAX;
    return (uint64_t)old * WASM_PAGE;
}

size_t wl_platform_page_size(void) { return WASM_PAGE; }

/* ------------------------------------------------------------------ free spans --------------- */

/* Released segments and free metadata are both kept as spans: address-ordered, coalesced lists
 * whose headers live in the free memory itself. */
typedef struct span {
    size_t bytes;
    struct span *next;
} span;

static span *g_free_segments; /* whole pages */
static span *g_meta_free;     /* multiples of META_ALIGN */

/* Adds [addr, addr + bytes) to list, merged with the spans it touches. */
static void span_put(span **list, uintptr_t addr, size_t bytes) {
    span **link = list, *prev = NULL;
    while (*link && (uintptr_t)*link < addr) {
        prev = *link;
        link = &prev->next;
    }
    span *s = (span *)addr;
    s->bytes = bytes;
    s->next = *link;
    *link = s;
    if (s->next && addr + bytes == (uintptr_t)s->next) {
        s->bytes += s->next->bytes;
        s->next = s->next->next;
    }
    if (prev && (uintptr_t)prev + prev->bytes == addr) {
        prev->bytes += s->bytes;
        prev->next = s->next;
    }
}

/* The first bytes of the first span that holds them (the rest stays listed), or 0. bytes is a
 * multiple of the list's unit, so a rest always has room for its header. */
static uintptr_t span_take(span **list, size_t bytes) {
    for (span **link = list; *link; link = &(*link)->next) {
        span *s = *link;
        if (s->bytes < bytes) continue;
        if (s->bytes == bytes) {
            *link = s->next;
        } else {
            span *rest = (span *)((uintptr_t)s + bytes);
            rest->bytes = s->bytes - bytes;
            rest->next = s->next;
            *link = rest;
        }
        return (uintptr_t)s;
    }
    return 0;
}

/* ------------------------------------------------------------------ segments ---------------- */

uint64_t wl_platform_grow_limit(void) { return (uint64_t)g_max_pages * WASM_PAGE; }

uint64_t wl_platform_grow(size_t bytes) {
    if (bytes == 0) bytes = 1;
    if (bytes > (size_t)-1 - WASM_PAGE) return UINT64_MAX;
    size_t pages = (bytes + WASM_PAGE - 1) / WASM_PAGE;
    wl_lock(&g_lock);
    /* Reuse a released segment first (first fit; the tail stays free). */
    uintptr_t addr = span_take(&g_free_segments, pages * WASM_PAGE);
    uint64_t r;
    if (addr == 0) {
        r = grow_pages(pages);
    } else {
        /* The rest of a reused segment keeps its old bytes, as tier memory may; the header goes. */
        memset((void *)addr, 0, sizeof(span));
        r = (uint64_t)addr;
    }
    wl_unlock(&g_lock);
    return r;
}

void wl_platform_decommit(void *addr, size_t bytes) {
    /* Linear memory cannot give pages back; the contents stay as they are. */
    (void)addr;
    (void)bytes;
}

/* Gives a segment obtained from wl_platform_grow back for reuse by later wl_platform_grow calls. */
void wl_platform_release(void *addr, size_t bytes) {
    if (addr == NULL || bytes == 0 || (uintptr_t)addr % WASM_PAGE != 0) return;
    wl_lock(&g_lock);
    span_put(&g_free_segments, (uintptr_t)addr,
             (size_t)(((uint64_t)bytes + WASM_PAGE - 1) / WASM_PAGE * WASM_PAGE));
    wl_unlock(&g_lock);
}

/* ------------------------------------------------------------------ metadata pool ----------- */

void *wl_platform_meta_alloc(size_t bytes) {
    if (bytes == 0) bytes = 1;
    if (bytes > (size_t)-1 - 2 * WASM_PAGE) return NULL;
    size_t n = (bytes + META_ALIGN - 1) & ~(META_ALIGN - 1);
    wl_lock(&g_lock);
    uintptr_t addr = span_take(&g_meta_free, n);
    if (addr == 0) { /* fresh pages join the pool (and merge with its free end) */
        size_t pages = (n + WASM_PAGE - 1) / WASM_PAGE;
        uint64_t fresh = grow_pages(pages);
        if (fresh == UINT64_MAX) {
            wl_unlock(&g_lock);
            return NULL;
        }
        span_put(&g_meta_free, (uintptr_t)fresh, pages * WASM_PAGE);
        addr = span_take(&g_meta_free, n);
    }
    wl_unlock(&g_lock);
    memset((void *)addr, 0, n);
    return (void *)addr;
}

void *wl_platform_zeroed_alloc(size_t bytes) { return wl_platform_meta_alloc(bytes); }

void wl_platform_zeroed_free(void *p, size_t bytes) { wl_platform_meta_free(p, bytes); }

void wl_platform_meta_free(void *p, size_t bytes) {
    if (p == NULL) return;
    if (bytes == 0) bytes = 1;
    wl_lock(&g_lock);
    span_put(&g_meta_free, (uintptr_t)p, (bytes + META_ALIGN - 1) & ~(META_ALIGN - 1));
    wl_unlock(&g_lock);
}

#endif /* __wasm__ */
