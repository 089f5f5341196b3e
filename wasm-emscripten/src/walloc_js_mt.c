/*
 * walloc_js_mt.c - the entry points of walloc-mt.wasm's shared mode (walloc-shared.mjs): one
 * instance used by several Workers at once, each with its own wasm instance over one shared
 * memory. Only the threads build links it.
 *
 * A shared instance is a wjs_mt record (in linear memory, so every Worker reaches it by address):
 * the core instance, always in checked mode, and one gate word per tier.
 *
 *   - Authority: the core's checked table (checked.c; in linear memory, under its lock) is the
 *     one list of live blocks every Worker consults. A Worker can free a block another Worker
 *     allocated and it never saw; a free that is not good (never allocated, double, wrong size)
 *     returns a status and changes nothing.
 *   - Copies from JavaScript: wjs_mt_hold checks that [h + off, + len) lies in the live block h
 *     (of the expected serial, when one is given) and keeps the table locked until
 *     wjs_mt_release, so no other Worker can free the block while JavaScript copies into it.
 *   - Gates (the rule "reset and compact never run while that tier allocates or frees"): every
 *     call that touches a tier (allocate, free, hold, statistics) enters the tier's gate, a count
 *     of calls inside; reset and compact close it only when the count is 0 (else they return
 *     WJS_BUSY and change nothing), and calls that arrive meanwhile wait the few microseconds a
 *     reset takes. destroy closes every gate for good (calls then get WJS_CLOSED) after waiting
 *     for the calls inside; the record itself is never freed, so a late call from another Worker
 *     reads a closed gate, not freed memory.
 *
 * Waiting is spinning: a browser's main thread may not block in Atomics.wait, and every wait
 * here is for a call that is already running and short. Calls do not nest (a thread is inside at
 * most one gate at a time).
 */
#include <emscripten.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "checked.h"
#include "internal.h"
#include "walloc.h"
#include "walloc_js.h"

/* Not a handle (handles are aligned to 8 at least): the instance was destroyed. */
#define JS_CLOSED 0xFFFFFFFEu
/* Statuses beyond walloc_status (walloc-shared.mjs knows them). */
#define WJS_BUSY 100   /* reset/compact refused: another call is inside the tier */
#define WJS_CLOSED 101 /* the instance was destroyed */
#define WJS_STALE 102  /* hold: the block at h is live, but not the one of that serial */

#define GATE_EXCLUSIVE 0x40000000u
#define GATE_CLOSED 0x80000000u
#define GATE_COUNT(v) ((v) & 0x3FFFFFFFu)

typedef struct wjs_mt {
    walloc *w;
    _Atomic uint32_t gate[WALLOC_TIER_COUNT];
} wjs_mt;

static inline wjs_mt *rec(uint32_t s) { return (wjs_mt *)(uintptr_t)s; }

/* Enters tier t's gate: true once inside, false when the instance was destroyed. */
static bool gate_enter(wjs_mt *m, unsigned t)
{
    for (;;) {
        uint32_t v = atomic_fetch_add_explicit(&m->gate[t], 1, memory_order_acquire);
        if ((v & (GATE_EXCLUSIVE | GATE_CLOSED)) == 0)
            return true;
        atomic_fetch_sub_explicit(&m->gate[t], 1, memory_order_relaxed);
        if (v & GATE_CLOSED)
            return false;
        while (atomic_load_explicit(&m->gate[t], memory_order_relaxed) & GATE_EXCLUSIVE) {
        }
    }
}

static inline void gate_exit(wjs_mt *m, unsigned t)
{
    atomic_fetch_sub_explicit(&m->gate[t], 1, memory_order_release);
}

/* Takes tier t alone: WALLOC_OK, WJS_BUSY while any call is inside, WJS_CLOSED. */
static int32_t gate_take(wjs_mt *m, unsigned t)
{
    uint32_t idle = 0;
    if (atomic_compare_exchange_strong_explicit(&m->gate[t], &idle, GATE_EXCLUSIVE, memory_order_acquire,
                                                memory_order_relaxed))
        return WALLOC_OK;
    return (idle & GATE_CLOSED) ? WJS_CLOSED : WJS_BUSY;
}

static inline void gate_give(wjs_mt *m, unsigned t)
{
    atomic_fetch_and_explicit(&m->gate[t], ~GATE_EXCLUSIVE, memory_order_release);
}

/* ---------------------------------------------------------------- instance ----------------- */

/* A shared instance: the record's address, 0 on failure (invalid configuration: validate first
 * with wjs_config_validate; or no memory). Checked mode is always on: it is the authority. */
EMSCRIPTEN_KEEPALIVE uint32_t wjs_mt_create(double capacity, double r0, double r1, double r2) {
    wjs_mt *m = wl_platform_meta_alloc(sizeof *m);
    if (m == NULL)
        return 0;
    walloc_config c = walloc_config_default();
    c.capacity = capacity < 0 ? 0 : (uint64_t)capacity;
    c.tier_ratio[0] = r0;
    c.tier_ratio[1] = r1;
    c.tier_ratio[2] = r2;
    c.checked = 1;
    if ((m->w = walloc_create(&c)) == NULL) {
        wl_platform_meta_free(m, sizeof *m);
        return 0;
    }
    for (unsigned t = 0; t < WALLOC_TIER_COUNT; t++)
        atomic_init(&m->gate[t], 0);
    return (uint32_t)(uintptr_t)m;
}

/* The core instance (for the raw exports), 0 once destroyed. */
EMSCRIPTEN_KEEPALIVE uint32_t wjs_mt_instance(uint32_t s) {
    return (atomic_load(&rec(s)->gate[0]) & GATE_CLOSED) ? 0 : (uint32_t)(uintptr_t)rec(s)->w;
}

/* Destroys the instance once no call is inside; later calls from any Worker get WJS_CLOSED.
 * WJS_CLOSED when it was destroyed already. */
EMSCRIPTEN_KEEPALIVE int32_t wjs_mt_destroy(uint32_t s) {
    wjs_mt *m = rec(s);
    if (atomic_fetch_or(&m->gate[0], GATE_CLOSED) & GATE_CLOSED)
        return WJS_CLOSED; /* another thread destroys (or destroyed) it */
    for (unsigned t = 1; t < WALLOC_TIER_COUNT; t++)
        atomic_fetch_or(&m->gate[t], GATE_CLOSED);
    for (unsigned t = 0; t < WALLOC_TIER_COUNT; t++)
        while (GATE_COUNT(atomic_load(&m->gate[t])) != 0 || (atomic_load(&m->gate[t]) & GATE_EXCLUSIVE)) {
        }
    walloc_destroy(m->w);
    m->w = NULL;
    return WALLOC_OK;
}

/* ---------------------------------------------------------------- blocks ------------------- */

EMSCRIPTEN_KEEPALIVE uint32_t wjs_mt_alloc(uint32_t s, uint32_t size, int32_t tier) {
    wjs_mt *m = rec(s);
    if ((uint32_t)tier >= WALLOC_TIER_COUNT)
        return JS_NULL;
    if (!gate_enter(m, (unsigned)tier))
        return JS_CLOSED;
    walloc_handle h = walloc_alloc(m->w, size, (walloc_tier)tier);
    gate_exit(m, (unsigned)tier);
    return to_js(h);
}

/* The tier of the tier memory h lies in (allocated or not), or -1. Tiers never move, so the
 * answer stays true; read before the gate is entered, it is checked again by walloc_free. */
static int tier_of(wjs_mt *m, uint32_t h)
{
    walloc_tier t;
    return walloc_tier_of(m->w, h, &t) == WALLOC_OK ? (int)t : -1;
}

EMSCRIPTEN_KEEPALIVE int32_t wjs_mt_free(uint32_t s, uint32_t handle, uint32_t size) {
    wjs_mt *m = rec(s);
    if (atomic_load_explicit(&m->gate[0], memory_order_acquire) & GATE_CLOSED)
        return WJS_CLOSED;
    int t = tier_of(m, handle);
    if (t < 0)
        return WALLOC_ERR_INVALID_HANDLE;
    if (!gate_enter(m, (unsigned)t))
        return WJS_CLOSED;
    int32_t st = (int32_t)walloc_free(m->w, handle, size);
    gate_exit(m, (unsigned)t);
    return st;
}

/* The calling thread's held block's tier (calls do not nest: one at a time). */
static _Thread_local int t_held = -1;

/* Checks that [handle + off, + len) lies inside the live block handle (whose serial is serial,
 * unless serial is 0) and, when it does, returns WALLOC_OK with the block held: nobody frees,
 * resets or compacts it away until wjs_mt_release, which the caller must call next. out (the
 * caller's scratch, 16 bytes) receives the block's size and serial as two doubles. Otherwise
 * nothing is held: WALLOC_ERR_INVALID_HANDLE (not in a tier), WALLOC_ERR_NOT_A_BLOCK (no live
 * block starts there), WJS_STALE, WALLOC_ERR_OUT_OF_BOUNDS (the range leaves the block),
 * WJS_CLOSED, WALLOC_ERR_INVALID_ARGUMENT (the thread holds a block already, or the instance
 * keeps no checked table: only wjs_mt_create's instances may be held). */
EMSCRIPTEN_KEEPALIVE int32_t wjs_mt_hold(uint32_t s, uint32_t handle, double off, double len, double serial,
                                         uint32_t out) {
    wjs_mt *m = rec(s);
    if (t_held >= 0)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if (atomic_load_explicit(&m->gate[0], memory_order_acquire) & GATE_CLOSED)
        return WJS_CLOSED;
    int t = tier_of(m, handle);
    if (t < 0)
        return WALLOC_ERR_INVALID_HANDLE;
    if (!gate_enter(m, (unsigned)t))
        return WJS_CLOSED;
    if (m->w->table == NULL) { /* not checked: not an instance of wjs_mt_create */
        gate_exit(m, (unsigned)t);
        return WALLOC_ERR_INVALID_ARGUMENT;
    }
    uint64_t size = 0, ser = 0;
    int32_t st = WALLOC_OK;
    if (wl_checked_hold(m->w->table, handle, &size, &ser) != CHECKED_LIVE_BLOCK)
        st = WALLOC_ERR_NOT_A_BLOCK;
    else if (serial != 0 && (double)ser != serial)
        st = WJS_STALE;
    else if (off < 0 || len < 0 || off + len > (double)size)
        st = WALLOC_ERR_OUT_OF_BOUNDS;
    if (st != WALLOC_OK) {
        wl_checked_release(m->w->table);
        gate_exit(m, (unsigned)t);
        return st;
    }
    double *o = (double *)(uintptr_t)out;
    o[0] = (double)size;
    o[1] = (double)ser;
    t_held = t;
    return WALLOC_OK;
}

/* Ends the calling thread's wjs_mt_hold. */
EMSCRIPTEN_KEEPALIVE void wjs_mt_release(uint32_t s) {
    wjs_mt *m = rec(s);
    if (t_held < 0)
        return;
    wl_checked_release(m->w->table);
    gate_exit(m, (unsigned)t_held);
    t_held = -1;
}

/* ---------------------------------------------------------------- tiers -------------------- */

EMSCRIPTEN_KEEPALIVE int32_t wjs_mt_compact_tier(uint32_t s, int32_t tier, double keep) {
    wjs_mt *m = rec(s);
    if ((uint32_t)tier >= WALLOC_TIER_COUNT)
        return WALLOC_ERR_INVALID_TIER;
    int32_t st = gate_take(m, (unsigned)tier);
    if (st != WALLOC_OK)
        return st;
    st = (int32_t)walloc_compact_tier(m->w, (walloc_tier)tier, keep <= 0 ? 0 : (uint64_t)keep);
    gate_give(m, (unsigned)tier);
    return st;
}

/* A reset is a compaction that keeps nothing (walloc_reset_tier). */
EMSCRIPTEN_KEEPALIVE int32_t wjs_mt_reset_tier(uint32_t s, int32_t tier) {
    return wjs_mt_compact_tier(s, tier, 0);
}

/* walloc_tier_stats into out (the caller's scratch: a walloc_stats, 104 bytes), inside the
 * tier's gate (statistics of a tier being reset would be half old, half new). */
EMSCRIPTEN_KEEPALIVE int32_t wjs_mt_tier_stats(uint32_t s, int32_t tier, uint32_t out) {
    wjs_mt *m = rec(s);
    if ((uint32_t)tier >= WALLOC_TIER_COUNT)
        return WALLOC_ERR_INVALID_TIER;
    if (!gate_enter(m, (unsigned)tier))
        return WJS_CLOSED;
    int32_t st = (int32_t)walloc_tier_stats(m->w, (walloc_tier)tier, (walloc_stats *)(uintptr_t)out);
    gate_exit(m, (unsigned)tier);
    return st;
}
