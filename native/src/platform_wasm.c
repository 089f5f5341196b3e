/*
 * platform_wasm.c - platform_memory.h for WebAssembly (Emscripten, -sMALLOC=none).
 *
 * Linear memory only grows at its end and never shrinks, so:
 *   - tier memory comes from memory.grow in whole 64 KiB pages (platform_grow). Segments given
 *     back with platform_release are kept on a free list and handed out again by later
 *     platform_grow calls (first fit, split at page granularity), so destroying an instance and
 *     creating another one does not grow memory again;
 *   - metadata (instance, thread caches) comes from a small pool carved from grown pages
 *     (platform_meta_alloc), with an address-ordered, coalescing free list so that freed
 *     metadata is reused by the next instance;
 *   - reserve/commit/decommit have nothing to do: grown memory is always readable and writable.
 *
 * A growth limit below the module's link-time maximum can be set with
 * platform_wasm_set_max_bytes (the JavaScript wrapper's maximumMemory option).
 *
 * The module has no threads (no -pthread in standalone wasm), so no locking is needed here.
 */
#if defined(__wasm__)

#include "platform_memory.h"

#include <string.h>

#define WASM_PAGE ((size_t)65536)
#define META_ALIGN ((size_t)16)

/* ------------------------------------------------------------------ growth limit ------------ */

/* Maximum memory size in pages that platform_grow may reach (65536 pages = 4 GiB). */
static uint32_t g_max_pages = 65536u;
/* Number of successful memory.grow calls and pages grown, for diagnostics. */
static uint32_t g_grow_calls;
static uint32_t g_grown_pages;

/* Sets the highest memory size (in bytes, rounded down to pages) that growth may reach.
 * 0 restores the default (the module's own maximum). Not declared in platform_memory.h: only
 * the WebAssembly exports shim calls it. */
void platform_wasm_set_max_bytes(uint64_t bytes) {
    uint64_t pages = bytes / WASM_PAGE;
    if (bytes == 0 || pages > 65536u) pages = 65536u;
    g_max_pages = (uint32_t)pages;
}

uint64_t platform_wasm_max_bytes(void) { return (uint64_t)g_max_pages * WASM_PAGE; }
uint32_t platform_wasm_grow_calls(void) { return g_grow_calls; }
uint32_t platform_wasm_grown_pages(void) { return g_grown_pages; }

/* Grows memory by pages; returns the old end address or UINT64_MAX. */
static uint64_t grow_pages(size_t pages) {
    size_t cur = __builtin_wasm_memory_size(0);
    if (pages == 0) return (uint64_t)cur * WASM_PAGE;
    if ((uint64_t)cur + pages > g_max_pages) return UINT64_MAX;
    size_t old = __builtin_wasm_memory_grow(0, pages);
    if (old == (size_t)-1) return UINT64_MAX;
    g_grow_calls++;
    g_grown_pages += (uint32_t)pages;
    return (uint64_t)old * WASM_PAGE;
}

size_t platform_page_size(void) { return WASM_PAGE; }

/* ------------------------------------------------------------------ segments ---------------- */

/* A released segment: the header lives in the segment's first bytes. */
typedef struct free_segment {
    uint64_t bytes; /* whole pages */
    struct free_segment *next;
} free_segment;

static free_segment *g_free_segments; /* address order, coalesced */

static void segment_insert(uintptr_t addr, uint64_t bytes) {
    free_segment **link = &g_free_segments;
    while (*link && (uintptr_t)*link < addr) link = &(*link)->next;
    free_segment *seg = (free_segment *)addr;
    seg->bytes = bytes;
    seg->next = *link;
    *link = seg;
    /* Merge with the next one. */
    if (seg->next && addr + bytes == (uintptr_t)seg->next) {
        seg->bytes += seg->next->bytes;
        seg->next = seg->next->next;
    }
    /* Merge with the previous one. */
    if (link != &g_free_segments) {
        free_segment *prev = (free_segment *)((char *)link - offsetof(free_segment, next));
        if ((uintptr_t)prev + prev->bytes == addr) {
            prev->bytes += seg->bytes;
            prev->next = seg->next;
        }
    }
}

uint64_t platform_grow(size_t bytes) {
    if (bytes == 0) bytes = 1;
    if (bytes > (size_t)-1 - WASM_PAGE) return UINT64_MAX;
    size_t pages = (bytes + WASM_PAGE - 1) / WASM_PAGE;
    uint64_t want = (uint64_t)pages * WASM_PAGE;
    /* Reuse a released segment first (first fit; the tail stays free). */
    for (free_segment **link = &g_free_segments; *link; link = &(*link)->next) {
        free_segment *seg = *link;
        if (seg->bytes < want) continue;
        uintptr_t addr = (uintptr_t)seg;
        if (seg->bytes == want) {
            *link = seg->next;
        } else {
            free_segment *rest = (free_segment *)(addr + (uintptr_t)want);
            rest->bytes = seg->bytes - want;
            rest->next = seg->next;
            *link = rest;
        }
        /* Fresh memory from memory.grow is zero; hand reused memory out the same way. */
        memset((void *)addr, 0, sizeof(free_segment));
        return (uint64_t)addr;
    }
    return grow_pages(pages);
}

void *platform_reserve(size_t bytes) {
    (void)bytes;
    return NULL;
}

bool platform_commit(void *addr, size_t bytes) {
    (void)addr;
    (void)bytes;
    return true;
}

void platform_decommit(void *addr, size_t bytes) {
    /* Linear memory cannot give pages back; the contents stay as they are. */
    (void)addr;
    (void)bytes;
}

/* Gives a segment obtained from platform_grow back for reuse by later platform_grow calls. */
void platform_release(void *addr, size_t bytes) {
    if (addr == NULL || bytes == 0) return;
    uintptr_t a = (uintptr_t)addr;
    if (a % WASM_PAGE != 0) return; /* not a segment from platform_grow */
    uint64_t len = ((uint64_t)bytes + WASM_PAGE - 1) / WASM_PAGE * WASM_PAGE;
    segment_insert(a, len);
}

/* ------------------------------------------------------------------ metadata pool ----------- */

/* A free metadata block: the header lives in the block. */
typedef struct meta_free {
    size_t bytes; /* multiple of META_ALIGN */
    struct meta_free *next;
} meta_free;

static meta_free *g_meta_free;    /* address order, coalesced */
static uintptr_t g_meta_bump;     /* next unused byte of the current pool chunk */
static uintptr_t g_meta_end;      /* end of the current pool chunk */

static void meta_insert(uintptr_t addr, size_t bytes) {
    meta_free **link = &g_meta_free;
    while (*link && (uintptr_t)*link < addr) link = &(*link)->next;
    meta_free *blk = (meta_free *)addr;
    blk->bytes = bytes;
    blk->next = *link;
    *link = blk;
    if (blk->next && addr + bytes == (uintptr_t)blk->next) {
        blk->bytes += blk->next->bytes;
        blk->next = blk->next->next;
    }
    if (link != &g_meta_free) {
        meta_free *prev = (meta_free *)((char *)link - offsetof(meta_free, next));
        if ((uintptr_t)prev + prev->bytes == addr) {
            prev->bytes += blk->bytes;
            prev->next = blk->next;
        }
    }
}

void *platform_meta_alloc(size_t bytes) {
    if (bytes == 0) bytes = 1;
    if (bytes > (size_t)-1 - 2 * WASM_PAGE) return NULL;
    size_t n = (bytes + META_ALIGN - 1) & ~(META_ALIGN - 1);
    /* First fit from freed metadata. */
    for (meta_free **link = &g_meta_free; *link; link = &(*link)->next) {
        meta_free *blk = *link;
        if (blk->bytes < n) continue;
        uintptr_t addr = (uintptr_t)blk;
        if (blk->bytes - n >= sizeof(meta_free)) {
            meta_free *rest = (meta_free *)(addr + n);
            rest->bytes = blk->bytes - n;
            rest->next = blk->next;
            *link = rest;
        } else {
            n = blk->bytes;
            *link = blk->next;
        }
        memset((void *)addr, 0, n);
        return (void *)addr;
    }
    /* Carve from the current chunk, growing it when needed. */
    if (g_meta_end - g_meta_bump < n) {
        size_t pages = (n + WASM_PAGE - 1) / WASM_PAGE;
        uint64_t fresh = grow_pages(pages);
        if (fresh == UINT64_MAX) return NULL;
        if ((uintptr_t)fresh == g_meta_end && g_meta_end != 0) {
            g_meta_end += pages * WASM_PAGE; /* contiguous: extend the chunk */
        } else {
            if (g_meta_end - g_meta_bump >= sizeof(meta_free))
                meta_insert(g_meta_bump, g_meta_end - g_meta_bump);
            g_meta_bump = (uintptr_t)fresh;
            g_meta_end = (uintptr_t)fresh + pages * WASM_PAGE;
        }
    }
    uintptr_t addr = g_meta_bump;
    g_meta_bump += n;
    /* Fresh pages are zero, but a chunk's tail may hold an older free-list header. */
    memset((void *)addr, 0, n);
    return (void *)addr;
}

void platform_meta_free(void *p, size_t bytes) {
    if (p == NULL) return;
    if (bytes == 0) bytes = 1;
    size_t n = (bytes + META_ALIGN - 1) & ~(META_ALIGN - 1);
    uintptr_t addr = (uintptr_t)p;
    /* Give the block back to the bump chunk when it is its last allocation. */
    if (addr + n == g_meta_bump) {
        g_meta_bump = addr;
        return;
    }
    meta_insert(addr, n);
}

#endif /* __wasm__ */
