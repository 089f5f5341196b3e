/*
 * stats.c - per-tier statistics, and the footprint of a block (walloc_block_size).
 *
 * Statistics are counted, not kept: the live spans' own counters (each written by the span's
 * owner alone) are summed under the tier's locks, which keep spans from coming and going and
 * the head from moving meanwhile. So the figures obey their bounds at every instant - live and
 * wasted bytes lie in spans below the head, a span never counts more live blocks than it was
 * asked for - and the fast paths keep no counter of their own. O(spans of the tier) per call.
 */
#include <string.h>

#include "bins.h"
#include "internal.h"
#include "span.h"
#include "tier.h"

#define STATS_FIELD_BYTES(f) +sizeof(((walloc_stats *)0)->f)
_Static_assert(0 WALLOC_STATS_FIELDS(STATS_FIELD_BYTES) == sizeof(walloc_stats),
               "WALLOC_STATS_FIELDS must name every field of walloc_stats");

walloc_status walloc_tier_stats(const walloc *cw, walloc_tier tier, walloc_stats *out)
{
    if (cw == NULL || out == NULL)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if ((unsigned)tier >= WALLOC_TIER_COUNT)
        return WALLOC_ERR_INVALID_TIER;
    struct tier *t = (struct tier *)&cw->tiers[tier]; /* the locks are taken; nothing changes */
    memset(out, 0, sizeof *out);
    uint64_t binned, binned_bytes; /* free blocks their spans count as used */
    int64_t bin_allocs;
    wl_bins_count(cw, tier, &binned, &binned_bytes, &bin_allocs);
    wl_lock(&t->lock);
    wl_lock(&t->large.lock);
    wl_tier_memory_stats(t, out);
    uint64_t allocs = counter_get(&t->folded_allocs), live_blocks = 0, live_bytes = 0;
    uint64_t wasted = out->wasted_bytes;
    for (uint32_t id = 1; id <= t->span_ids; id++) {
        const struct span *s = span_of_id(t, id);
        uint64_t bytes = (uint64_t)s->pages << WALLOC_PAGE_SHIFT;
        if (s->pages == 0)
            continue;
        if (s->csize == 0) { /* a large block */
            live_blocks++, live_bytes += bytes, allocs++;
            continue;
        }
        uint32_t live = wl_span_live(s); /* reads used first: allocs read later is not smaller */
        live_blocks += live;
        live_bytes += (uint64_t)live * s->csize;
        wasted += s->bytes - (uint64_t)s->nblocks * s->csize;
        allocs += atomic_load_explicit(&s->allocs, memory_order_relaxed);
    }
    uint64_t released = counter_get(&t->released);
    out->failed_allocs = counter_get(&t->failed_allocs);
    out->resets = counter_get(&t->resets);
    wl_unlock(&t->large.lock);
    wl_unlock(&t->lock);
    allocs += (uint64_t)bin_allocs;
    live_blocks -= binned;
    live_bytes -= binned_bytes;
    out->live_bytes = live_bytes;
    out->live_blocks = live_blocks;
    out->wasted_bytes = wasted;
    out->free_bytes = out->bump_head - live_bytes - wasted;
    out->total_allocs = allocs;
    out->total_frees = allocs - live_blocks - released;
    return WALLOC_OK;
}

uint64_t walloc_block_size(const walloc *w, walloc_tier tier, uint64_t size)
{
    if (w == NULL || (unsigned)tier >= WALLOC_TIER_COUNT)
        return 0;
    const struct tier *t = &w->tiers[tier];
    uint64_t req = size ? size : 1;
    return req > t->capacity ? 0 : tier_block_size(t, req);
}
