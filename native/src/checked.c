/*
 * checked.c - open-addressing table of blocks for checked mode. See checked.h.
 */
#include "checked.h"

#include <string.h>

#define FREED_BIT (UINT64_C(1) << 63)
/* Serials serve hosts whose threads free each other's blocks (wl_checked_hold). The single-threaded
 * WebAssembly build has none and a size budget (wasm-emscripten/build.sh): it keeps no serials,
 * and wl_checked_hold reports 0 there. */
#define SERIALS WALLOC_THREADS
#define EMPTY_KEY UINT64_MAX

struct checked_table {
    wl_mutex lock;
    uint64_t *keys;
    uint64_t *vals; /* size | FREED_BIT */
    uint64_t *serials; /* the allocation's number: tells a block from a later one at its handle */
    uint64_t cap;   /* power of two */
    uint64_t used;
    uint64_t next_serial;
};

static uint64_t slot_of(const struct checked_table *tbl, uint64_t key)
{
    return (key * UINT64_C(0x9E3779B97F4A7C15)) >> 17 & (tbl->cap - 1);
}

static bool table_alloc(struct checked_table *tbl, uint64_t cap)
{
    uint64_t *keys = wl_platform_meta_alloc(cap * sizeof *keys);
    uint64_t *vals = wl_platform_meta_alloc(cap * sizeof *vals);
    uint64_t *serials = SERIALS ? wl_platform_meta_alloc(cap * sizeof *serials) : NULL;
    if (keys == NULL || vals == NULL || (SERIALS && serials == NULL)) {
        if (keys)
            wl_platform_meta_free(keys, cap * sizeof *keys);
        if (vals)
            wl_platform_meta_free(vals, cap * sizeof *vals);
        if (serials)
            wl_platform_meta_free(serials, cap * sizeof *serials);
        return false;
    }
    memset(keys, 0xFF, cap * sizeof *keys);
    tbl->keys = keys, tbl->vals = vals, tbl->serials = serials, tbl->cap = cap, tbl->used = 0;
    return true;
}

static uint64_t *find(const struct checked_table *tbl, uint64_t key)
{
    for (uint64_t i = slot_of(tbl, key);; i = (i + 1) & (tbl->cap - 1)) {
        if (tbl->keys[i] == key)
            return &tbl->vals[i];
        if (tbl->keys[i] == EMPTY_KEY)
            return NULL;
    }
}

static void insert(struct checked_table *tbl, uint64_t key, uint64_t val, uint64_t serial)
{
    uint64_t i = slot_of(tbl, key);
    while (tbl->keys[i] != EMPTY_KEY && tbl->keys[i] != key)
        i = (i + 1) & (tbl->cap - 1);
    if (tbl->keys[i] == EMPTY_KEY)
        tbl->used++;
    tbl->keys[i] = key;
    tbl->vals[i] = val;
    if (SERIALS)
        tbl->serials[i] = serial;
}

/* What a rebuild drops: blocks of tier t starting in [from, hi) that reach past lo. */
struct drop_range {
    const struct tier *t;
    uint64_t from, lo, hi;
};

static bool dropped(const struct drop_range *d, uint64_t key, uint64_t val)
{
    if (d == NULL || key < d->from || key >= d->hi)
        return false;
    uint64_t size = val & ~FREED_BIT;
    return key + tier_block_size(d->t, size ? size : 1) > d->lo;
}

/* Rebuilds into a table of cap slots without the entries d drops; counts live ones dropped. */
static bool rebuild(struct checked_table *tbl, uint64_t cap, const struct drop_range *d,
                    uint64_t *live_dropped)
{
    struct checked_table old = *tbl;
    if (!table_alloc(tbl, cap)) {
        *tbl = old;
        return false;
    }
    for (uint64_t i = 0; i < old.cap; i++) {
        uint64_t k = old.keys[i];
        if (k == EMPTY_KEY)
            continue;
        if (dropped(d, k, old.vals[i])) {
            if (!(old.vals[i] & FREED_BIT))
                ++*live_dropped;
            continue;
        }
        insert(tbl, k, old.vals[i], SERIALS ? old.serials[i] : 0);
    }
    wl_platform_meta_free(old.keys, old.cap * sizeof *old.keys);
    wl_platform_meta_free(old.vals, old.cap * sizeof *old.vals);
    if (SERIALS)
        wl_platform_meta_free(old.serials, old.cap * sizeof *old.serials);
    return true;
}

struct checked_table *wl_checked_create(void)
{
    struct checked_table *tbl = wl_platform_meta_alloc(sizeof *tbl);
    if (tbl == NULL)
        return NULL;
    wl_mutex_init(&tbl->lock);
    if (!table_alloc(tbl, 1024)) {
        wl_platform_meta_free(tbl, sizeof *tbl);
        return NULL;
    }
    return tbl;
}

void wl_checked_destroy(struct checked_table *tbl)
{
    if (tbl == NULL)
        return;
    wl_platform_meta_free(tbl->keys, tbl->cap * sizeof *tbl->keys);
    wl_platform_meta_free(tbl->vals, tbl->cap * sizeof *tbl->vals);
    if (SERIALS)
        wl_platform_meta_free(tbl->serials, tbl->cap * sizeof *tbl->serials);
    wl_mutex_destroy(&tbl->lock);
    wl_platform_meta_free(tbl, sizeof *tbl);
}

enum checked_alloc wl_checked_on_alloc(struct checked_table *tbl, uint64_t h, uint64_t size)
{
    enum checked_alloc r = CHECKED_NEW;
    uint64_t none = 0;
    wl_lock(&tbl->lock);
    const uint64_t *v = find(tbl, h);
    if (v != NULL && !(*v & FREED_BIT))
        r = CHECKED_LIVE;
    else if ((tbl->used + 1) * 4 > tbl->cap * 3 && !rebuild(tbl, tbl->cap * 2, NULL, &none))
        r = CHECKED_NO_ROOM; /* keep the load under 3/4 */
    else
        insert(tbl, h, size & ~FREED_BIT, ++tbl->next_serial);
    wl_unlock(&tbl->lock);
    return r;
}

walloc_status wl_checked_on_free(struct checked_table *tbl, uint64_t h, uint64_t size)
{
    walloc_status s;
    wl_lock(&tbl->lock);
    uint64_t *v = find(tbl, h);
    if (v == NULL)
        s = WALLOC_ERR_NOT_A_BLOCK;
    else if (*v & FREED_BIT)
        s = WALLOC_ERR_DOUBLE_FREE;
    else if (*v != size)
        s = WALLOC_ERR_SIZE_MISMATCH;
    else {
        *v |= FREED_BIT;
        s = WALLOC_OK;
    }
    wl_unlock(&tbl->lock);
    return s;
}

enum checked_state wl_checked_state_of(struct checked_table *tbl, uint64_t h)
{
    wl_lock(&tbl->lock);
    const uint64_t *v = find(tbl, h);
    enum checked_state st = v == NULL ? CHECKED_UNKNOWN : (*v & FREED_BIT) ? CHECKED_FREED_BLOCK : CHECKED_LIVE_BLOCK;
    wl_unlock(&tbl->lock);
    return st;
}

enum checked_state wl_checked_hold(struct checked_table *tbl, uint64_t h, uint64_t *size, uint64_t *serial)
{
    wl_lock(&tbl->lock);
    const uint64_t *v = find(tbl, h);
    if (v == NULL)
        return CHECKED_UNKNOWN;
    *size = *v & ~FREED_BIT;
    *serial = SERIALS ? tbl->serials[v - tbl->vals] : 0;
    return (*v & FREED_BIT) ? CHECKED_FREED_BLOCK : CHECKED_LIVE_BLOCK;
}

void wl_checked_release(struct checked_table *tbl)
{
    wl_unlock(&tbl->lock);
}

uint64_t wl_checked_forget_range(struct checked_table *tbl, const struct tier *t, uint64_t from,
                              uint64_t lo, uint64_t hi)
{
    struct drop_range d = {t, from, lo, hi};
    uint64_t live = 0;
    wl_lock(&tbl->lock);
    rebuild(tbl, tbl->cap, &d, &live);
    wl_unlock(&tbl->lock);
    return live;
}
