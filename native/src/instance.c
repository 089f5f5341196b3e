/*
 * instance.c - configuration, creation and destruction of instances, their region.
 */
#include <math.h>
#include <string.h>

#include "block.h"
#include "checked.h"
#include "handle_space.h"
#include "internal.h"
#include "profile.h"
#include "span.h"
#include "thread_cache.h"
#include "tier.h"

#define MIN_CAPACITY (64u * 1024u)

static const double default_ratio[WALLOC_TIER_COUNT] = {0.5, 0.3, 0.2};

walloc_config walloc_config_default(void)
{
    walloc_config c;
    memset(&c, 0, sizeof c);
    c.capacity = UINT64_C(256) << 20;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++)
        c.tier_ratio[i] = default_ratio[i];
#ifdef WALLOC_CHECKED_DEFAULT
    c.checked = 1;
#endif
    return c;
}

uint32_t walloc_tier_alignment(walloc_tier tier)
{
    static const uint32_t shifts[] = WALLOC_TIER_ALIGN_SHIFTS;
    return (unsigned)tier < WALLOC_TIER_COUNT ? 1u << shifts[tier] : 0;
}

/* Bytes of tier i under config c: floor(capacity * ratio), in whole 4 KiB units (native pages;
 * WebAssembly grows 64 KiB pages but a tier's budget need not fill them). */
static uint64_t tier_capacity(const walloc_config *c, unsigned i)
{
    uint64_t unit = WALLOC_LARGE_GRANULE;
    return (uint64_t)floor((double)c->capacity * c->tier_ratio[i]) / unit * unit;
}

walloc_status walloc_config_validate(const walloc_config *c)
{
    if (c == NULL)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if (c->capacity < MIN_CAPACITY || c->capacity > wl_space_max_capacity())
        return WALLOC_ERR_INVALID_CONFIG;
    double sum = 0;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        double r = c->tier_ratio[i];
        if (!(r > 0 && r <= 1)) /* also rejects NaN */
            return WALLOC_ERR_INVALID_CONFIG;
        sum += r;
        if (tier_capacity(c, i) == 0) /* at least one page */
            return WALLOC_ERR_INVALID_CONFIG;
    }
    if (!WALLOC_CHECKED && c->checked) /* a build without checked mode */
        return WALLOC_ERR_INVALID_CONFIG;
    return sum <= 1.0 + 1e-9 && wl_profile_valid_config(c) ? WALLOC_OK : WALLOC_ERR_INVALID_CONFIG;
}

/* Free memory a tier keeps committed unless the configuration says otherwise: a 64th of the
 * tier, within [1 MiB, 128 MiB]. Memory kept is reused without page faults (a phase of the
 * workload that frees what the next one allocates, per-frame scratch that a reset drops); what
 * is given back is faulted in again when used (bench/native: the phases workload). */
static uint64_t default_retain(uint64_t capacity)
{
    uint64_t r = capacity / 64, lo = UINT64_C(1) << 20, hi = UINT64_C(128) << 20;
    return r < lo ? lo : r > hi ? hi : r;
}

walloc *walloc_create(const walloc_config *config)
{
    walloc_config def = walloc_config_default();
    const walloc_config *c = config ? config : &def;
    if (walloc_config_validate(c) != WALLOC_OK)
        return NULL;
    walloc *w = wl_platform_meta_alloc(sizeof *w);
    if (w == NULL)
        return NULL;
    w->checked = c->checked != 0;
    uint64_t start = 0;
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        uint64_t cap = tier_capacity(c, i);
        wl_tier_init(&w->tiers[i], w, (walloc_tier)i, start, cap, c->retain ? c->retain : default_retain(cap));
        wl_bins_init(&w->bins, &w->tiers[i]);
        start += cap;
    }
    wl_mutex_init(&w->tc_lock);
    bool ok = wl_space_open(w);
    if (ok && instance_checked(w))
        ok = (w->table = wl_checked_create()) != NULL;

    if (!ok) {
        walloc_destroy(w);
        return NULL;
    }
    wl_tcache_register_instance(w);
    if (WALLOC_PROFILES && c->profile && (w->profile = wl_profile_create(w, c)) == NULL) { /* its sampler is one of w's caches */
        walloc_destroy(w);
        return NULL;
    }
    return w;
}

/* Everything of w but its reservation (native) and w itself. */
static void destroy_metadata(walloc *w)
{
    if (w->id != 0)
        wl_tcache_unregister_instance(w); /* the profile's sampler too */
    wl_profile_destroy(profile_of(w));
    wl_checked_destroy(w->table);
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++) {
        wl_span_pool_fini(&w->tiers[i]);
        wl_tier_fini(&w->tiers[i]);
    }
    wl_space_close(w);
    wl_mutex_destroy(&w->tc_lock);
}

void walloc_destroy(walloc *w)
{
    if (w == NULL)
        return;
    walloc_region r = walloc_region_of(w);
    /* Sanitizer builds: unmapping keeps the poison of free blocks, and the address range may
     * be mapped again for something else. */
    for (unsigned i = 0; r.base != NULL && i < WALLOC_TIER_COUNT; i++) {
        const struct tier *t = &w->tiers[i];
        block_unpoison(handle_ptr(w, t->start), atomic_load_explicit(&t->limit, memory_order_relaxed) - t->start);
    }
    destroy_metadata(w);
    wl_platform_meta_free(w, sizeof *w);
    walloc_region_release(r);
}

walloc_region walloc_region_of(const walloc *w)
{
    if (w != NULL && w->base != NULL) /* a reservation (WebAssembly: base 0, none) */
        return (walloc_region){w->base, w->reserved};
    return (walloc_region){NULL, 0};
}

walloc_region walloc_destroy_keep_region(walloc *w)
{
    if (w == NULL)
        return (walloc_region){NULL, 0};
    walloc_region r = walloc_region_of(w);
    destroy_metadata(w);
    wl_platform_meta_free(w, sizeof *w);
    if (r.base != NULL) {
        /* Whoever still holds a pointer may use it: no sanitizer report, no RAM kept. */
        block_unpoison(r.base, r.size);
        wl_platform_decommit(r.base, r.size);
    }
    return r;
}

void walloc_region_release(walloc_region region)
{
    if (region.base != NULL)
        wl_platform_release(region.base, region.size);
}
