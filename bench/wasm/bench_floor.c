/*
 * bench_floor.c - the cost of the call pattern alone: a loop calling two out-of-line functions
 * with walloc_alloc's and walloc_free's signatures whose bodies are the least an allocator
 * with per-class bins can do (pop a handle from a stack, push it back; no checks). Linked
 * without wasm-opt inlining (-O1), so the calls stay; what an engine charges for them is the
 * floor under any allocator called the same way.
 */
#include <emscripten.h>
#include <stdint.h>

volatile uint64_t wb_sink;

struct bin {
    uint64_t pushes, pops;
    uint64_t *slots;
    uint32_t cap;
};
static uint64_t g_slots[64];
static struct bin g_bins[8] = {{1, 0, g_slots, 64}};

EMSCRIPTEN_KEEPALIVE uint32_t wb_create(double capacity) {
    (void)capacity;
    g_slots[0] = 65536;
    return (uint32_t)(uintptr_t)g_bins;
}

__attribute__((noinline)) static uint64_t empty(void) { return UINT64_MAX; }

__attribute__((noinline)) uint64_t floor_alloc(struct bin *bins, uint64_t size, int tier) {
    if (bins == 0 || (unsigned)tier > 2) return UINT64_MAX;
    struct bin *b = &bins[(size - 1) >> 10];
    uint64_t pops = b->pops, n = b->pushes - pops;
    if (n == 0) return empty();
    b->pops = pops + 1;
    return b->slots[n - 1];
}

__attribute__((noinline)) int floor_free(struct bin *bins, uint64_t h, uint64_t size) {
    if (bins == 0) return 1;
    struct bin *b = &bins[(size - 1) >> 10];
    uint64_t pushes = b->pushes, n = pushes - b->pops;
    if (n >= b->cap) return (int)empty();
    b->slots[n] = h;
    b->pushes = pushes + 1;
    return 0;
}

/* The same with a bin kept as one index (top) instead of the two counters Walloc's bins keep
 * (pushes and pops, which give the statistics' totals without a counter per operation): how
 * much of the floor that bookkeeping is. */
struct bin_top {
    uint32_t top, cap;
    uint64_t *slots;
};
static struct bin_top g_tops[8] = {{1, 64, g_slots}};

__attribute__((noinline)) uint64_t top_alloc(struct bin_top *bins, uint64_t size, int tier) {
    if (bins == 0 || (unsigned)tier > 2) return UINT64_MAX;
    struct bin_top *b = &bins[(size - 1) >> 10];
    uint32_t t = b->top;
    if (t == 0) return empty();
    b->top = t - 1;
    return b->slots[t - 1];
}

__attribute__((noinline)) int top_free(struct bin_top *bins, uint64_t h, uint64_t size) {
    if (bins == 0) return 1;
    struct bin_top *b = &bins[(size - 1) >> 10];
    uint32_t t = b->top;
    if (t >= b->cap) return (int)empty();
    b->slots[t] = h;
    b->top = t + 1;
    return 0;
}

EMSCRIPTEN_KEEPALIVE void wb_pairs_top(uint32_t n, uint32_t size) {
    uint64_t acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t h = top_alloc(g_tops, size, 2);
        acc += h;
        top_free(g_tops, h, size);
    }
    wb_sink = acc;
}

/* n pairs, the same loop as bench_walloc.c's wb_pairs. */
EMSCRIPTEN_KEEPALIVE void wb_pairs(uint32_t w, uint32_t n, uint32_t size, int32_t tier) {
    struct bin *bins = (struct bin *)(uintptr_t)w;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t h = floor_alloc(bins, size, tier);
        acc += h;
        floor_free(bins, h, size);
    }
    wb_sink = acc;
}
