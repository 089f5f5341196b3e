/*
 * profile.c - the allocation profile's tables: sites and the records of live samples. See
 * profile.h.
 */
#include "profile.h"

#include <string.h>

#include "tier.h"

#define DEFAULT_SITES 1024u
#define MAX_SITES (1u << 20)
#define EMPTY_KEY UINT64_MAX
#define DEAD_KEY (UINT64_MAX - 1) /* handles are below both: a tier never reaches 2^64 - 2 */

struct sample_record {
    uint64_t h;
    uint64_t bytes;
    uint32_t site; /* index into sites */
    uint8_t tier;
};

static uint64_t hash(uint64_t key)
{
    return key * UINT64_C(0x9E3779B97F4A7C15);
}

static bool records_alloc(struct profile *p, uint64_t cap)
{
    struct sample_record *r = wl_platform_meta_alloc(cap * sizeof *r);
    if (r == NULL)
        return false;
    for (uint64_t i = 0; i < cap; i++)
        r[i].h = EMPTY_KEY;
    p->records = r, p->record_cap = cap, p->record_used = 0, p->record_dead = 0;
    return true;
}

static struct sample_record *record_slot(const struct profile *p, uint64_t h, bool for_insert)
{
    struct sample_record *dead = NULL;
    for (uint64_t i = hash(h) >> 20 & (p->record_cap - 1);; i = (i + 1) & (p->record_cap - 1)) {
        struct sample_record *r = &p->records[i];
        if (r->h == h)
            return r;
        if (r->h == DEAD_KEY && dead == NULL)
            dead = r;
        if (r->h == EMPTY_KEY)
            return !for_insert ? NULL : dead != NULL ? dead : r;
    }
}

/* Room for one more record: the table rebuilt, larger when it is half full of live ones. */
static bool records_make_room(struct profile *p)
{
    if ((p->record_used + p->record_dead + 1) * 4 <= p->record_cap * 3)
        return true;
    struct profile old = *p;
    if (!records_alloc(p, old.record_used * 2 >= old.record_cap ? old.record_cap * 2 : old.record_cap))
        return false;
    for (uint64_t i = 0; i < old.record_cap; i++) {
        if (old.records[i].h < DEAD_KEY) {
            *record_slot(p, old.records[i].h, true) = old.records[i];
            p->record_used++;
        }
    }
    wl_platform_meta_free(old.records, old.record_cap * sizeof *old.records);
    return true;
}

/* The index of site's counts: found, added, or the last (WALLOC_SITE_OTHER) when full. */
static uint32_t site_index(struct profile *p, uint64_t site)
{
    for (uint32_t i = (uint32_t)(hash(site) >> 32) & (p->site_slots - 1);; i = (i + 1) & (p->site_slots - 1)) {
        uint32_t v = p->site_slot[i];
        if (v != 0 && p->sites[v - 1].site == site)
            return v - 1;
        if (v == 0) {
            if (p->site_count == p->max_sites) {
                p->overflow_samples++;
                return p->max_sites;
            }
            p->sites[p->site_count].site = site;
            p->site_slot[i] = ++p->site_count;
            return p->site_count - 1;
        }
    }
}

struct profile *wl_profile_create(walloc *w, const walloc_config *c)
{
    struct profile *p = wl_platform_meta_alloc(sizeof *p);
    if (p == NULL)
        return NULL;
    wl_mutex_init(&p->lock);
    p->rate = c->profile_rate;
    p->max_sites = c->profile_sites != 0 ? c->profile_sites : DEFAULT_SITES;
    for (p->site_slots = 2; p->site_slots < 2 * p->max_sites;)
        p->site_slots *= 2;
    p->sites = wl_platform_meta_alloc((p->max_sites + 1) * sizeof *p->sites);
    p->site_slot = wl_platform_meta_alloc(p->site_slots * sizeof *p->site_slot);
    if (p->sites == NULL || p->site_slot == NULL || !records_alloc(p, 64) ||
        (p->sampler = wl_tcache_new(w, &p->no_thread)) == NULL) {
        wl_profile_destroy(p);
        return NULL;
    }
    p->sites[p->max_sites].site = WALLOC_SITE_OTHER;
    return p;
}

void wl_profile_destroy(struct profile *p)
{
    if (p == NULL)
        return;
    if (p->sites != NULL)
        wl_platform_meta_free(p->sites, (p->max_sites + 1) * sizeof *p->sites);
    if (p->site_slot != NULL)
        wl_platform_meta_free(p->site_slot, p->site_slots * sizeof *p->site_slot);
    if (p->records != NULL)
        wl_platform_meta_free(p->records, p->record_cap * sizeof *p->records);
    wl_mutex_destroy(&p->lock);
    wl_platform_meta_free(p, sizeof *p);
}

bool wl_profile_valid_config(const walloc_config *c)
{
    /* Builds with bins (WebAssembly) have no return addresses for sites, and their fast path
     * pops bins without a countdown: their hosts sample (walloc_alloc_site). */
    return c->profile_sites <= MAX_SITES && (!WALLOC_BINS || c->profile_rate == 0) && (WALLOC_PROFILES || !c->profile);
}

bool wl_profile_sample_due(struct profile *p, struct tcache *tc)
{
    if (tc->sample_gap > 1) {
        tc->sample_gap--;
        return false;
    }
    bool due = tc->sample_gap == 1; /* 0: the thread's first call, which draws the first gap */
    /* xorshift32, seeded by the cache's address: enough to keep gaps from aliasing a loop. */
    uint32_t x = tc->sample_rng != 0 ? tc->sample_rng : (uint32_t)(uintptr_t)tc | 1;
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    tc->sample_rng = x;
    tc->sample_gap = p->rate <= 1 ? 1 : 1 + x % (2 * p->rate - 1); /* mean: rate */
    return due || p->rate <= 1;
}

void wl_profile_record(struct profile *p, uint64_t h, uint64_t site, walloc_tier tier, uint64_t bytes)
{
    if (!records_make_room(p)) {
        p->lost_samples++;
        return;
    }
    struct sample_record *r = record_slot(p, h, true);
    if (r->h == h)
        return;
    if (r->h == DEAD_KEY)
        p->record_dead--;
    uint32_t i = site_index(p, site);
    *r = (struct sample_record){.h = h, .bytes = bytes, .site = i, .tier = (uint8_t)tier};
    p->record_used++;
    walloc_profile_site *s = &p->sites[i];
    s->allocs[tier]++;
    s->live_blocks[tier]++;
    s->live_bytes[tier] += bytes;
}

static void drop_record(struct profile *p, struct sample_record *r)
{
    walloc_profile_site *s = &p->sites[r->site];
    s->live_blocks[r->tier]--;
    s->live_bytes[r->tier] -= r->bytes;
    r->h = DEAD_KEY;
    p->record_used--;
    p->record_dead++;
}

void wl_profile_forget(struct profile *p, uint64_t h)
{
    struct sample_record *r = record_slot(p, h, false);
    if (r != NULL)
        drop_record(p, r);
}

void wl_profile_forget_above(struct profile *p, const struct tier *t, uint64_t keep)
{
    profile_lock(p);
    for (uint64_t i = 0; i < p->record_cap; i++) {
        struct sample_record *r = &p->records[i];
        if (r->h < DEAD_KEY && r->tier == t->id && wl_tier_offset_of(t, r->h) + r->bytes > keep)
            drop_record(p, r);
    }
    profile_unlock(p);
}

walloc_status walloc_profile_snapshot(const walloc *w, walloc_profile_site *out, size_t capacity,
                                      size_t *count, walloc_profile_info *info)
{
    if (w == NULL || count == NULL || (out == NULL && capacity > 0))
        return WALLOC_ERR_INVALID_ARGUMENT;
    struct profile *p = profile_of(w);
    if (p == NULL)
        return WALLOC_ERR_INVALID_CONFIG;
    profile_lock(p);
    bool other = p->overflow_samples != 0;
    size_t n = p->site_count + (other ? 1 : 0);
    for (size_t i = 0; i < p->site_count && i < capacity; i++)
        out[i] = p->sites[i];
    if (other && p->site_count < capacity)
        out[p->site_count] = p->sites[p->max_sites];
    *count = n;
    if (info != NULL)
        *info = (walloc_profile_info){.rate = p->rate, .max_sites = p->max_sites, .sites = n,
                                      .overflow_samples = p->overflow_samples, .lost_samples = p->lost_samples};
    profile_unlock(p);
    return WALLOC_OK;
}
