/*
 * walloc_js.c - small entry points that keep the JavaScript side simple.
 *
 * wasm32 turns uint64_t parameters and results into BigInts in JavaScript. These wrappers take
 * and return 32-bit values and doubles instead: handles are uint32 (WALLOC_NULL becomes
 * 0xFFFFFFFF), sizes are uint32 (linear memory is at most 4 GiB), the capacity is a double.
 * Batch arrays live in a scratch area that this file owns and grows on demand; statistics in a
 * walloc_stats the JS side reads directly. Calls whose C signature is already 32-bit (destroy,
 * reset, tier alignment, status strings, walloc_memcpy/memmove) use the C API's own exports.
 *
 * Not part of native/src: only the WebAssembly build links it.
 */
#include <emscripten.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "walloc.h"

uint64_t platform_grow(size_t bytes);
void platform_release(void *addr, size_t bytes);
void platform_wasm_set_max_bytes(uint64_t bytes);

#define JS_NULL 0xFFFFFFFFu

static inline uint32_t to_js(walloc_handle h) {
    return (h == WALLOC_NULL || h > 0xFFFFFFFFull) ? JS_NULL : (uint32_t)h;
}

/* ---------------------------------------------------------------- scratch ------------------ */

static uintptr_t g_scratch;
static uint32_t g_scratch_bytes;

/* Returns the address of a scratch area of at least bytes bytes (valid until the next call
 * that asks for more), or 0 when memory cannot grow. */
EMSCRIPTEN_KEEPALIVE uint32_t wjs_scratch(uint32_t bytes) {
    if (bytes <= g_scratch_bytes) return (uint32_t)g_scratch;
    uint64_t want = ((uint64_t)bytes + 65535u) & ~(uint64_t)65535u;
    uint64_t fresh = platform_grow((size_t)want);
    if (fresh == UINT64_MAX) return 0;
    if (g_scratch) platform_release((void *)g_scratch, g_scratch_bytes);
    g_scratch = (uintptr_t)fresh;
    g_scratch_bytes = (uint32_t)want;
    return (uint32_t)g_scratch;
}

/* ---------------------------------------------------------------- instance ----------------- */

static walloc_config make_config(double capacity, double r0, double r1, double r2, int checked) {
    walloc_config c = walloc_config_default();
    c.capacity = capacity < 0 ? 0 : (uint64_t)capacity;
    c.tier_ratio[0] = r0;
    c.tier_ratio[1] = r1;
    c.tier_ratio[2] = r2;
    c.checked = checked;
    return c;
}

EMSCRIPTEN_KEEPALIVE int32_t wjs_config_validate(double capacity, double r0, double r1, double r2,
                                                 int checked) {
    walloc_config c = make_config(capacity, r0, r1, r2, checked);
    return (int32_t)walloc_config_validate(&c);
}

/* Returns the instance address, 0 on failure. */
EMSCRIPTEN_KEEPALIVE uint32_t wjs_create(double capacity, double r0, double r1, double r2,
                                         int checked) {
    walloc_config c = make_config(capacity, r0, r1, r2, checked);
    return (uint32_t)(uintptr_t)walloc_create(&c);
}

EMSCRIPTEN_KEEPALIVE void wjs_set_max_bytes(double bytes) {
    platform_wasm_set_max_bytes(bytes <= 0 ? 0 : (uint64_t)bytes);
}

/* ---------------------------------------------------------------- blocks ------------------- */

EMSCRIPTEN_KEEPALIVE uint32_t wjs_alloc(uint32_t w, uint32_t size, int32_t tier) {
    return to_js(walloc_alloc((walloc *)(uintptr_t)w, size, (walloc_tier)tier));
}

EMSCRIPTEN_KEEPALIVE int32_t wjs_free(uint32_t w, uint32_t handle, uint32_t size) {
    return (int32_t)walloc_free((walloc *)(uintptr_t)w, handle, size);
}

/* sizes: uint32[count] at sizes_at, tiers: int32[count] at tiers_at, out: uint32[count] at
 * out_at. Uses a scratch area for the 64-bit arrays the core wants. */
EMSCRIPTEN_KEEPALIVE int32_t wjs_alloc_batch(uint32_t w, uint32_t sizes_at, uint32_t tiers_at,
                                             uint32_t count, uint32_t out_at, uint32_t tmp_at) {
    const uint32_t *sizes32 = (const uint32_t *)(uintptr_t)sizes_at;
    uint32_t *out32 = (uint32_t *)(uintptr_t)out_at;
    uint64_t *sizes64 = (uint64_t *)(uintptr_t)tmp_at;
    walloc_handle *out64 = sizes64 + count;
    for (uint32_t i = 0; i < count; i++) sizes64[i] = sizes32[i];
    walloc_status st = walloc_alloc_batch((walloc *)(uintptr_t)w, sizes64,
                                          (const int32_t *)(uintptr_t)tiers_at, count, out64);
    for (uint32_t i = 0; i < count; i++) out32[i] = to_js(out64[i]);
    return (int32_t)st;
}

EMSCRIPTEN_KEEPALIVE int32_t wjs_compact_tier(uint32_t w, int32_t tier, double keep) {
    return (int32_t)walloc_compact_tier((walloc *)(uintptr_t)w, (walloc_tier)tier,
                                        keep <= 0 ? 0 : (uint64_t)keep);
}

/* The last wjs_tier_stats result, read by the JS side in place: 12 uint64 fields (as two
 * uint32 each, low first) then alignment and max_class_size (uint32). */
static walloc_stats g_stats;
_Static_assert(offsetof(walloc_stats, alignment) == 96 && offsetof(walloc_stats, max_class_size) == 100,
               "walloc.mjs tierStats reads walloc_stats at these offsets");

EMSCRIPTEN_KEEPALIVE uint32_t wjs_stats_buffer(void) { return (uint32_t)(uintptr_t)&g_stats; }

EMSCRIPTEN_KEEPALIVE int32_t wjs_tier_stats(uint32_t w, int32_t tier) {
    return (int32_t)walloc_tier_stats((const walloc *)(uintptr_t)w, (walloc_tier)tier, &g_stats);
}

/* ---------------------------------------------------------------- access ------------------- */

EMSCRIPTEN_KEEPALIVE int32_t wjs_copy(uint32_t w, uint32_t dst, uint32_t src, uint32_t len) {
    return (int32_t)walloc_copy((walloc *)(uintptr_t)w, dst, src, len);
}

static uint32_t g_failed_index;

EMSCRIPTEN_KEEPALIVE uint32_t wjs_failed_index(void) { return g_failed_index; }

/* ops: uint32 triples (dst, src, len) at ops_at; tmp_at: room for count walloc_copy_op. */
EMSCRIPTEN_KEEPALIVE int32_t wjs_bulk_copy(uint32_t w, uint32_t ops_at, uint32_t count,
                                           uint32_t tmp_at) {
    const uint32_t *in = (const uint32_t *)(uintptr_t)ops_at;
    walloc_copy_op *ops = (walloc_copy_op *)(uintptr_t)tmp_at;
    for (uint32_t i = 0; i < count; i++) {
        ops[i].dst = in[3 * i];
        ops[i].src = in[3 * i + 1];
        ops[i].len = in[3 * i + 2];
    }
    size_t failed = 0;
    walloc_status st = walloc_bulk_copy((walloc *)(uintptr_t)w, ops, count, &failed);
    g_failed_index = (uint32_t)failed;
    return (int32_t)st;
}

/* walloc_ptr: the address of handle, 0 when it lies outside what every tier handed out. */
EMSCRIPTEN_KEEPALIVE uint32_t wjs_ptr(uint32_t w, uint32_t handle) {
    return (uint32_t)(uintptr_t)walloc_ptr((const walloc *)(uintptr_t)w, handle);
}

/* walloc_block_size: the bytes a block of size bytes spans in tier (its footprint), 0 for an
 * invalid tier or a size larger than the tier. A double: a footprint can reach 4 GiB. */
EMSCRIPTEN_KEEPALIVE double wjs_block_size(uint32_t w, int32_t tier, uint32_t size) {
    return (double)walloc_block_size((const walloc *)(uintptr_t)w, (walloc_tier)tier, size);
}

EMSCRIPTEN_KEEPALIVE int32_t wjs_tier_of(uint32_t w, uint32_t handle) {
    walloc_tier t;
    walloc_status st = walloc_tier_of((const walloc *)(uintptr_t)w, handle, &t);
    return st == WALLOC_OK ? (int32_t)t : -(int32_t)st;
}
