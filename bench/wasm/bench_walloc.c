/*
 * bench_walloc.c - loops that run inside wasm, linked with the Walloc core (bench module only).
 * Results are published to a volatile so nothing is optimised away.
 */
#include <emscripten.h>
#include <stdint.h>
#include <string.h>

#include "walloc.h"
#include "window_sizes.h"

volatile uint64_t wb_sink;

EMSCRIPTEN_KEEPALIVE uint32_t wb_create(double capacity) {
    walloc_config c = walloc_config_default();
    c.capacity = (uint64_t)capacity;
    return (uint32_t)(uintptr_t)walloc_create(&c);
}

/* n alloc+free pairs of one size. */
EMSCRIPTEN_KEEPALIVE void wb_pairs(uint32_t w, uint32_t n, uint32_t size, int32_t tier) {
    walloc *a = (walloc *)(uintptr_t)w;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t h = walloc_alloc(a, size, (walloc_tier)tier);
        acc += h;
        walloc_free(a, h, size);
    }
    wb_sink = acc;
}

/* A window of 256 live blocks: each step frees the oldest and allocates a new one, sizes
 * 16..527 from a fixed sequence. Counts one alloc+free pair per step. */
EMSCRIPTEN_KEEPALIVE void wb_window(uint32_t w, uint32_t n, int32_t tier) {
    walloc *a = (walloc *)(uintptr_t)w;
    static uint64_t ring[256];
    static uint32_t sizes[256];
    uint32_t s = 12345;
    for (uint32_t i = 0; i < 256; i++) {
        sizes[i] = window_next_size(&s);
        ring[i] = walloc_alloc(a, sizes[i], (walloc_tier)tier);
    }
    uint64_t acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = i & 255;
        walloc_free(a, ring[k], sizes[k]);
        sizes[k] = window_next_size(&s);
        ring[k] = walloc_alloc(a, sizes[k], (walloc_tier)tier);
        acc += ring[k];
    }
    for (uint32_t i = 0; i < 256; i++) walloc_free(a, ring[i], sizes[i]);
    wb_sink = acc;
}

/* n copies of size bytes with walloc_memcpy (its wasm branch: inline below the threshold,
 * memory.copy from it on). */
EMSCRIPTEN_KEEPALIVE void wb_copy(uint32_t n, uint32_t size, uint32_t dst, uint32_t src) {
    for (uint32_t i = 0; i < n; i++) {
        walloc_memcpy((void *)(uintptr_t)(dst + (i & 7) * 8), (const void *)(uintptr_t)src, size);
    }
    wb_sink += *(volatile uint8_t *)(uintptr_t)dst;
}

/* The same loop with memory.copy (clang lowers memcpy to it with -mbulk-memory). */
EMSCRIPTEN_KEEPALIVE void wb_memory_copy(uint32_t n, uint32_t size, uint32_t dst, uint32_t src) {
    for (uint32_t i = 0; i < n; i++) {
        __builtin_memcpy((void *)(uintptr_t)(dst + (i & 7) * 8), (const void *)(uintptr_t)src, size);
    }
    wb_sink += *(volatile uint8_t *)(uintptr_t)dst;
}

/* A scratch area for the copy loops (JS writes into it, then calls the loops). */
static uint8_t g_buf[2 * 65536 + 1024] __attribute__((aligned(64)));
EMSCRIPTEN_KEEPALIVE uint32_t wb_buffer(void) { return (uint32_t)(uintptr_t)g_buf; }
