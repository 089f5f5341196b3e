/*
 * rewind.c - reset and compact: a tier's bump head moves back, and what lay above is released.
 *
 * Both run while no call allocates or frees in the tier (the API's rule; the host faces enforce
 * it), so they may edit every thread's cache state for the tier directly. Cost: O(spans of the
 * tier) plus, for a compaction, the free lists of the one span that straddles keep.
 */
#include "bins.h"
#include "block.h"
#include "checked.h"
#include "handle_space.h"
#include "internal.h"
#include "large.h"
#include "profile.h"
#include "span.h"
#include "thread_cache.h"
#include "tier.h"

/* Releases what lies at or above logical offset keep (a multiple of the alignment, at most the
 * head) in tier t: spans above go, a span across keep keeps the blocks wholly below it. */
static void release_spans_above(walloc *w, struct tier *t, uint64_t keep)
{
    for (uint32_t id = 1; id <= t->span_ids; id++) {
        struct span *s = span_of_id(t, id);
        if (s->pages == 0)
            continue;
        uint64_t off = wl_tier_offset_of(t, s->lo), end = off + ((uint64_t)s->pages << WALLOC_PAGE_SHIFT);
        if (end <= keep)
            continue;
        if (off < keep && s->csize != 0) {
            counter_add(&t->released, wl_span_truncate(t, s, s->lo + (keep - off)));
            if (s->nblocks != 0) {
                /* Its owner finds its free blocks again (its lists are looked through); an empty
                 * one that no thread allocates from goes back to the tier. */
                if (atomic_load_explicit(&s->used, memory_order_relaxed) == 0 && span_listed(s) != SPAN_LIST_CURRENT) {
                    wl_tcache_unlist(t, s);
                    wl_span_release(t, s);
                }
                continue;
            }
        }
        wl_tcache_unlist(t, s);
        wl_span_drop(t, s);
    }
}

/* Poisons what the tier handed out from logical offset from on and, in checked mode, forgets
 * the blocks there. */
static void poison_above(walloc *w, struct tier *t, uint64_t from)
{
    uint64_t before = 0;
    uint32_t count = atomic_load_explicit(&t->seg_count, memory_order_acquire);
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    for (uint32_t i = 0; i < count && i <= cur; i++) {
        const struct segment *sg = &t->segs[i];
        uint64_t end = i < cur ? sg->base + sg->size : atomic_load_explicit(&t->head, memory_order_relaxed);
        uint64_t lo = from > before ? sg->base + (from - before) : sg->base;
        if (lo < end) {
            block_poison(handle_ptr(w, lo), end - lo);
            if (instance_checked(w))
                wl_checked_forget_range(w->table, t, sg->base, lo, sg->base + sg->size);
        }
        before += sg->size;
    }
}

static walloc_status rewind_tier(walloc *w, walloc_tier tier, uint64_t keep)
{
    if (w == NULL)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if ((unsigned)tier >= WALLOC_TIER_COUNT)
        return WALLOC_ERR_INVALID_TIER;
    struct tier *t = &w->tiers[tier];
    wl_bins_flush(w, tier); /* binned blocks go back to their spans, which then release them */
    wl_tcache_lock(w); /* no cache comes or goes while we edit them */
    wl_lock(&t->lock);
    uint64_t used = wl_tier_used(t);
    keep = keep >= used ? used : align_up(keep, t->align);
    if (keep > used)
        keep = used;
    release_spans_above(w, t, keep);
    wl_lock(&t->large.lock);
    uint64_t keep_h = wl_tier_handle_of(t, keep);
    wl_large_cut(t, keep_h);
    poison_above(w, t, keep);
    wl_tier_rewind(t, keep);
    wl_space_give_back_above(t, keep_h);
    wl_unlock(&t->large.lock);
    wl_unlock(&t->lock);
    wl_tcache_unlock(w);
    if (profile_of(w) != NULL) /* after the locks a sample's allocation takes after the profile's */
        wl_profile_forget_above(profile_of(w), t, keep);
    counter_add(&t->resets, 1);
    return WALLOC_OK;
}

walloc_status walloc_reset_tier(walloc *w, walloc_tier tier)
{
    return rewind_tier(w, tier, 0);
}

walloc_status walloc_compact_tier(walloc *w, walloc_tier tier, uint64_t keep_bytes)
{
    return rewind_tier(w, tier, keep_bytes);
}
