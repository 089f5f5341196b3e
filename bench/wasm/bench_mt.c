/*
 * bench_mt.c - the multi-Worker allocation loops over walloc-mt.wasm's objects (bench module
 * only; bench/wasm/build.sh links it by the recipe in wasm-emscripten/build.sh). Each Worker
 * attached to one shared instance (walloc-shared.mjs) calls these on one UNCHECKED core instance
 * made here with walloc_create: the core's own per-thread fast path, not shared mode's checked
 * one. bench_peer_mt.c has the same loops over Emscripten's dlmalloc in a -pthread build.
 *
 * Every loop returns the number of pairs whose allocation succeeded (the harness wants n) and
 * publishes its handles to a volatile, so LLVM cannot drop pairs and a broken build cannot
 * produce a fast number; wbm_check then asks the core's statistics that every block was freed.
 */
#include <emscripten.h>
#include <stdint.h>

#include "walloc.h"
#include "window_sizes.h"

volatile uint64_t wbm_sink;

/* An unchecked core instance of capacity bytes (ratios as walloc_config_default): its address, 0
 * on failure. */
EMSCRIPTEN_KEEPALIVE uint32_t wbm_create(double capacity) {
    walloc_config c = walloc_config_default();
    c.capacity = (uint64_t)capacity;
    c.checked = 0;
    return (uint32_t)(uintptr_t)walloc_create(&c);
}

EMSCRIPTEN_KEEPALIVE void wbm_destroy(uint32_t w) { walloc_destroy((walloc *)(uintptr_t)w); }

/* n alloc+free pairs of one size in one tier. */
EMSCRIPTEN_KEEPALIVE uint32_t wbm_pairs(uint32_t w, uint32_t n, uint32_t size, int32_t tier) {
    walloc *a = (walloc *)(uintptr_t)w;
    uint64_t acc = 0;
    uint32_t ok = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t h = walloc_alloc(a, size, (walloc_tier)tier);
        acc += h;
        ok += h != WALLOC_NULL;
        walloc_free(a, h, size);
    }
    wbm_sink = acc;
    return ok;
}

/* bench_walloc.c's wb_window with this thread's own ring (on its stack, not static: every Worker
 * runs it at once): 256 live blocks, each step frees the oldest and allocates a new one, sizes
 * 16..527 from a fixed sequence; one pair per step. */
EMSCRIPTEN_KEEPALIVE uint32_t wbm_window(uint32_t w, uint32_t n, int32_t tier) {
    walloc *a = (walloc *)(uintptr_t)w;
    uint64_t ring[256];
    uint32_t sizes[256];
    uint32_t s = 12345, ok = 0;
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
        ok += ring[k] != WALLOC_NULL;
    }
    for (uint32_t i = 0; i < 256; i++) walloc_free(a, ring[i], sizes[i]);
    wbm_sink = acc;
    return ok;
}

/* The control: n steps of a multiply-xorshift chain, no allocation, nothing shared (returns n). What the machine
 * and the engine give k threads at all: the allocators' scaling reads against it. */
EMSCRIPTEN_KEEPALIVE uint32_t wbm_spin(uint32_t n) {
    uint32_t s = 12345;
    for (uint32_t i = 0; i < n; i++) s = (s ^ (s >> 15)) * 2246822519u + i; /* no closed form */
    wbm_sink = s;
    return n;
}

/* A statistic of the instance, summed over its tiers: 0 live blocks, 1 successful allocations,
 * 2 failed allocations; -1 when the statistics call fails. After a run (Workers detached): 0 live
 * blocks and as many allocations as the loops made. */
EMSCRIPTEN_KEEPALIVE double wbm_stat(uint32_t w, int32_t which) {
    double sum = 0;
    for (int t = 0; t < WALLOC_TIER_COUNT; t++) {
        walloc_stats st;
        if (walloc_tier_stats((walloc *)(uintptr_t)w, (walloc_tier)t, &st) != WALLOC_OK) return -1;
        sum += (double)(which == 0 ? st.live_blocks : which == 1 ? st.total_allocs : st.failed_allocs);
    }
    return sum;
}
