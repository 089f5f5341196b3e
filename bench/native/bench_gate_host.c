/*
 * bench_gate_host.c - the host side of bench_gate.cpp, in C like native/jni/walloc_jni.c: an
 * alloc and a free as a host makes them, bare, inside the native gate (the inline fast path the
 * JNI glue uses, and the exported functions), and inside a striped counter (an atomic increment
 * and decrement per call, what io.walloc.Gate does for its sections).
 */
#include "bench_gate_host.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "gate_fast.h"

static walloc *g_w;
static walloc_gate *g_gate;

struct stripe {
    _Alignas(128) _Atomic long calls;
};
static struct stripe g_stripes[16];

static struct stripe *my_stripe(void)
{
    uintptr_t id = (uintptr_t)pthread_self();
    return &g_stripes[(id ^ (id >> 12)) & 15];
}

bool host_init(void)
{
    walloc_config c = walloc_config_default();
    c.capacity = 1ull << 30;
    g_w = walloc_create(&c);
    g_gate = walloc_gate_new();
    return g_w != NULL && g_gate != NULL;
}

walloc_handle host_alloc(enum host_guard guard, uint64_t size)
{
    walloc_handle h;
    switch (guard) {
    case GUARD_NATIVE_GATE:
        if (!gate_enter(g_gate))
            return WALLOC_NULL;
        h = walloc_alloc(g_w, size, WALLOC_TIER_BOTTOM);
        gate_exit(g_gate);
        return h;
    case GUARD_NATIVE_GATE_CALLS:
        if (!walloc_gate_enter(g_gate))
            return WALLOC_NULL;
        h = walloc_alloc(g_w, size, WALLOC_TIER_BOTTOM);
        walloc_gate_exit(g_gate);
        return h;
    case GUARD_COUNTER: {
        struct stripe *s = my_stripe();
        atomic_fetch_add(&s->calls, 1);
        h = walloc_alloc(g_w, size, WALLOC_TIER_BOTTOM);
        atomic_fetch_sub(&s->calls, 1);
        return h;
    }
    default:
        return walloc_alloc(g_w, size, WALLOC_TIER_BOTTOM);
    }
}

walloc_status host_free(enum host_guard guard, walloc_handle h, uint64_t size)
{
    walloc_status st;
    switch (guard) {
    case GUARD_NATIVE_GATE:
        if (!gate_enter(g_gate))
            return WALLOC_ERR_INVALID_ARGUMENT;
        st = walloc_free(g_w, h, size);
        gate_exit(g_gate);
        return st;
    case GUARD_NATIVE_GATE_CALLS:
        if (!walloc_gate_enter(g_gate))
            return WALLOC_ERR_INVALID_ARGUMENT;
        st = walloc_free(g_w, h, size);
        walloc_gate_exit(g_gate);
        return st;
    case GUARD_COUNTER: {
        struct stripe *s = my_stripe();
        atomic_fetch_add(&s->calls, 1);
        st = walloc_free(g_w, h, size);
        atomic_fetch_sub(&s->calls, 1);
        return st;
    }
    default:
        return walloc_free(g_w, h, size);
    }
}
