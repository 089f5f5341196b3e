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
 * Allocation profiles: the JavaScript side samples (it alone can see a JavaScript stack), so an
 * instance that keeps a profile has profile_rate 0 and records what wjs_alloc_site hands it.
 * Snapshots are copied into metadata memory taken for the call and given back by
 * wjs_profile_release: their size (80 bytes a site, up to walloc_config.profile_sites) is known
 * only when one is taken.
 *
 * Not part of native/src: only the WebAssembly build links it.
 */
#include <emscripten.h>
#include <stddef.h>
#include <stdint.h>

#include "platform_memory.h"
#include "walloc.h"

void platform_wasm_set_max_bytes(uint64_t bytes);

#define JS_NULL 0xFFFFFFFFu

static inline uint32_t to_js(walloc_handle h) {
    return (h == WALLOC_NULL || h > 0xFFFFFFFFull) ? JS_NULL : (uint32_t)h;
}

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

EMSCRIPTEN_KEEPALIVE void wjs_set_max_bytes(double bytes) {
    platform_wasm_set_max_bytes(bytes <= 0 ? 0 : (uint64_t)bytes);
}

/* ---------------------------------------------------------------- blocks ------------------- */

EMSCRIPTEN_KEEPALIVE uint32_t wjs_alloc(uint32_t w, uint32_t size, int32_t tier) {
    return to_js(walloc_alloc((walloc *)(uintptr_t)w, size, (walloc_tier)tier));
}

/* A sample of the JavaScript side, recorded at site (its id for a stack or an asset path); plain
 * wjs_alloc when w keeps no profile. */
EMSCRIPTEN_KEEPALIVE uint32_t wjs_alloc_site(uint32_t w, uint32_t size, int32_t tier, uint32_t site) {
    return to_js(walloc_alloc_site((walloc *)(uintptr_t)w, size, (walloc_tier)tier, site));
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

/* ---------------------------------------------------------------- profile ------------------ */

/* The last snapshot: its sites (metadata memory, g_sites_bytes long) and its summary. The JS side
 * reads them in place: a site is 10 uint64 (site, allocs[3], live_blocks[3], live_bytes[3]), the
 * summary two uint32 (rate, max_sites) then three uint64 (sites, overflow, lost samples). */
static walloc_profile_site *g_sites;
static size_t g_sites_bytes;
static walloc_profile_info g_profile_info;
_Static_assert(sizeof(walloc_profile_site) == 80 && offsetof(walloc_profile_site, live_bytes) == 56,
               "walloc.mjs reads walloc_profile_site at these offsets");
_Static_assert(sizeof(walloc_profile_info) == 32 && offsetof(walloc_profile_info, overflow_samples) == 16,
               "walloc.mjs reads walloc_profile_info at these offsets");

/* Gives back the last snapshot's memory. */
EMSCRIPTEN_KEEPALIVE void wjs_profile_release(void) {
    if (g_sites != NULL)
        platform_meta_free(g_sites, g_sites_bytes);
    g_sites = NULL;
    g_sites_bytes = 0;
}

/* Takes a snapshot of w's profile: the number of sites (at wjs_profile_sites(), summary at
 * wjs_profile_info()), or minus a status: WALLOC_ERR_INVALID_CONFIG when w keeps no profile,
 * WALLOC_ERR_OUT_OF_MEMORY when no memory is left for the copy. Without threads nothing records a
 * site between the two calls, so the count of the first is the count of the second. */
EMSCRIPTEN_KEEPALIVE int32_t wjs_profile_snapshot(uint32_t w) {
    const walloc *wp = (const walloc *)(uintptr_t)w;
    wjs_profile_release();
    size_t count = 0;
    walloc_status st = walloc_profile_snapshot(wp, NULL, 0, &count, &g_profile_info);
    if (st != WALLOC_OK)
        return -(int32_t)st;
    if (count == 0)
        return 0;
    g_sites_bytes = count * sizeof *g_sites;
    if ((g_sites = platform_meta_alloc(g_sites_bytes)) == NULL) {
        g_sites_bytes = 0;
        return -(int32_t)WALLOC_ERR_OUT_OF_MEMORY;
    }
    st = walloc_profile_snapshot(wp, g_sites, count, &count, &g_profile_info);
    return st == WALLOC_OK ? (int32_t)count : -(int32_t)st;
}

EMSCRIPTEN_KEEPALIVE uint32_t wjs_profile_sites(void) { return (uint32_t)(uintptr_t)g_sites; }
EMSCRIPTEN_KEEPALIVE uint32_t wjs_profile_info(void) { return (uint32_t)(uintptr_t)&g_profile_info; }
