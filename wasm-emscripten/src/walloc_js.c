/*
 * walloc_js.c - small entry points that keep the JavaScript side simple.
 *
 * wasm32 turns uint64_t parameters and results into BigInts in JavaScript. These wrappers take
 * and return 32-bit values and doubles instead: handles are uint32 (WALLOC_NULL becomes
 * 0xFFFFFFFF), sizes are uint32 (linear memory is at most 4 GiB), the capacity is a double.
 * Statistics go to a walloc_stats the JS side reads directly. There are no batch entry points:
 * their arrays would need room in linear memory the user did not ask for, and may not get it at
 * the memory maximum; walloc.mjs checks a batch, then makes one call per entry. Calls whose C
 * signature is already 32-bit (destroy, reset, tier alignment, status strings,
 * walloc_memcpy/memmove) use the C API's own exports.
 *
 * Allocation profiles: walloc_js_profile.c, linked into the diagnostics modules only
 * (walloc-diag.wasm: checked mode and profiles; build.sh).
 *
 * Not part of native/src: only the WebAssembly build links it.
 */
#include <emscripten.h>
#include <stddef.h>
#include <stdint.h>

#include "build_features.h"
#include "platform_memory.h"
#include "walloc.h"

void wl_platform_wasm_set_max_bytes(uint64_t bytes);

#include "walloc_js.h"

/* ---------------------------------------------------------------- instance ----------------- */

/* profile_sites 0: no profile; otherwise a profile of that many sites that samples nothing by
 * itself (profile_rate 0: the JavaScript side samples and calls wjs_alloc_site). */
static walloc_config make_config(double capacity, double r0, double r1, double r2, int checked,
                                 uint32_t profile_sites) {
    walloc_config c = walloc_config_default();
    c.capacity = capacity < 0 ? 0 : (uint64_t)capacity;
    c.tier_ratio[0] = r0;
    c.tier_ratio[1] = r1;
    c.tier_ratio[2] = r2;
    c.checked = checked;
    c.profile = profile_sites != 0;
    c.profile_rate = 0;
    c.profile_sites = profile_sites;
    return c;
}

EMSCRIPTEN_KEEPALIVE int32_t wjs_config_validate(double capacity, double r0, double r1, double r2,
                                                 int checked, uint32_t profile_sites) {
    walloc_config c = make_config(capacity, r0, r1, r2, checked, profile_sites);
    return (int32_t)walloc_config_validate(&c);
}

/* Returns the instance address, 0 on failure. */
EMSCRIPTEN_KEEPALIVE uint32_t wjs_create(double capacity, double r0, double r1, double r2,
                                         int checked, uint32_t profile_sites) {
    walloc_config c = make_config(capacity, r0, r1, r2, checked, profile_sites);
    return (uint32_t)(uintptr_t)walloc_create(&c);
}

/* What this module was built with: 1 checked mode, 2 allocation profiles (the diagnostics
 * modules have both; walloc.wasm neither). */
EMSCRIPTEN_KEEPALIVE int32_t wjs_diagnostics(void) {
    return (WALLOC_CHECKED ? 1 : 0) | (WALLOC_PROFILES ? 2 : 0);
}

EMSCRIPTEN_KEEPALIVE void wjs_set_max_bytes(double bytes) {
    wl_platform_wasm_set_max_bytes(bytes <= 0 ? 0 : (uint64_t)bytes);
}

/* ---------------------------------------------------------------- blocks ------------------- */

EMSCRIPTEN_KEEPALIVE uint32_t wjs_alloc(uint32_t w, uint32_t size, int32_t tier) {
    return to_js(walloc_alloc((walloc *)(uintptr_t)w, size, (walloc_tier)tier));
}

EMSCRIPTEN_KEEPALIVE int32_t wjs_free(uint32_t w, uint32_t handle, uint32_t size) {
    return (int32_t)walloc_free((walloc *)(uintptr_t)w, handle, size);
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

/* walloc_block_size: the bytes a block of size bytes spans in tier (its footprint), 0 for an
 * invalid tier or a size larger than the tier. A double: a footprint can reach 4 GiB. */
EMSCRIPTEN_KEEPALIVE double wjs_block_size(uint32_t w, int32_t tier, uint32_t size) {
    return (double)walloc_block_size((const walloc *)(uintptr_t)w, (walloc_tier)tier, size);
}

/* walloc_check_range: whether [handle, handle + len) lies inside what one tier has handed out
 * (a walloc_status). len is a double: a block's footprint can reach 4 GiB. */
EMSCRIPTEN_KEEPALIVE int32_t wjs_check_range(uint32_t w, uint32_t handle, double len) {
    return (int32_t)walloc_check_range((const walloc *)(uintptr_t)w, handle,
                                       len <= 0 ? 0 : (uint64_t)len);
}

EMSCRIPTEN_KEEPALIVE int32_t wjs_tier_of(uint32_t w, uint32_t handle) {
    walloc_tier t;
    walloc_status st = walloc_tier_of((const walloc *)(uintptr_t)w, handle, &t);
    return st == WALLOC_OK ? (int32_t)t : -(int32_t)st;
}
