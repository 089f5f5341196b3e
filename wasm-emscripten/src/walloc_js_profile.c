/*
 * walloc_js_profile.c - the JavaScript side's entry points for allocation profiles, linked into
 * the diagnostics modules only (walloc-diag.wasm; build.sh).
 *
 * The JavaScript side samples (it alone can see a JavaScript stack), so an instance that keeps a
 * profile has profile_rate 0 and records what wjs_alloc_site hands it. Snapshots are copied into
 * metadata memory taken for the call and given back by wjs_profile_release: their size (80 bytes
 * a site, up to walloc_config.profile_sites) is known only when one is taken.
 */
#include <emscripten.h>
#include <stddef.h>
#include <stdint.h>

#include "platform_memory.h"
#include "walloc.h"
#include "walloc_js.h"

/* A sample of the JavaScript side, recorded at site (its id for a stack or an asset path); plain
 * wjs_alloc when w keeps no profile. */
EMSCRIPTEN_KEEPALIVE uint32_t wjs_alloc_site(uint32_t w, uint32_t size, int32_t tier, uint32_t site) {
    return to_js(walloc_alloc_site((walloc *)(uintptr_t)w, size, (walloc_tier)tier, site));
}

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
        wl_platform_meta_free(g_sites, g_sites_bytes);
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
    if ((g_sites = wl_platform_meta_alloc(g_sites_bytes)) == NULL) {
        g_sites_bytes = 0;
        return -(int32_t)WALLOC_ERR_OUT_OF_MEMORY;
    }
    st = walloc_profile_snapshot(wp, g_sites, count, &count, &g_profile_info);
    return st == WALLOC_OK ? (int32_t)count : -(int32_t)st;
}

EMSCRIPTEN_KEEPALIVE uint32_t wjs_profile_sites(void) { return (uint32_t)(uintptr_t)g_sites; }
EMSCRIPTEN_KEEPALIVE uint32_t wjs_profile_info(void) { return (uint32_t)(uintptr_t)&g_profile_info; }
