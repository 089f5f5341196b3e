/*
 * bench_peer.c - the same loops over Emscripten's malloc/free (linked with -sMALLOC=dlmalloc or
 * -sMALLOC=emmalloc), so both allocators are measured by identical code.
 */
#include <emscripten.h>
#include <stdint.h>
#include <stdlib.h>

#include "window_sizes.h"

volatile uint64_t pb_sink;

EMSCRIPTEN_KEEPALIVE void pb_pairs(uint32_t n, uint32_t size) {
    uint64_t acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        void *p = malloc(size);
        acc += (uintptr_t)p;
        pb_sink = acc; /* the pointer escapes: LLVM may not delete the pair */
        free(p);
    }
}

EMSCRIPTEN_KEEPALIVE void pb_window(uint32_t n) {
    static void *ring[256];
    uint32_t s = 12345;
    for (uint32_t i = 0; i < 256; i++) {
        ring[i] = malloc(window_next_size(&s));
    }
    uint64_t acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = i & 255;
        free(ring[k]);
        ring[k] = malloc(window_next_size(&s));
        acc += (uintptr_t)ring[k];
    }
    for (uint32_t i = 0; i < 256; i++) free(ring[i]);
    pb_sink = acc;
}

/* Per-JS-call entry points. */
EMSCRIPTEN_KEEPALIVE uint32_t pb_malloc(uint32_t size) { return (uint32_t)(uintptr_t)malloc(size); }
EMSCRIPTEN_KEEPALIVE void pb_free(uint32_t p) { free((void *)(uintptr_t)p); }
