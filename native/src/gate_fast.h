/*
 * gate_fast.h - walloc_gate_enter / walloc_gate_exit inline, for the host glue whose every call
 * goes through them (native/jni/walloc_jni.c): a function call each would double their cost
 * (bench/native/bench_gate.cpp). The slow paths and the closer's side live in gate.c.
 */
#ifndef WALLOC_GATE_FAST_H
#define WALLOC_GATE_FAST_H

#include <stdatomic.h>
#include <stdbool.h>

#include "walloc_gate.h"

struct walloc_gate {
    _Alignas(64) _Atomic int state;
};

/* One per thread that ever entered a gate, on its own cache line. */
struct gate_slot {
    _Alignas(64) _Atomic(walloc_gate *) inside;
    atomic_bool taken;
    struct gate_slot *next; /* fixed once the slot is in the list */
};

extern __thread struct gate_slot *wl_gate_my_slot __attribute__((tls_model("initial-exec")));
/* Set once, before the first gate exists: calls fence because the OS has no process barrier. */
extern atomic_bool wl_gate_fence_calls;

/* No slot yet, or the gate not open: claims a slot, waits while exclusive, answers closed. */
bool wl_gate_enter_slow(walloc_gate *g);
void wl_gate_exit_unslotted(void);

/* Enters without ever waiting: false when the gate is not open, or the thread has no slot yet (the
 * caller then takes a path that may wait, gate_enter). For callers that must not block: an FFM
 * critical downcall keeps its thread from reaching a safepoint until it returns. */
static inline bool gate_try_enter(walloc_gate *g)
{
    struct gate_slot *s = wl_gate_my_slot;
    if (s == NULL)
        return false;
    atomic_store_explicit(&s->inside, g, memory_order_relaxed);
    if (atomic_load_explicit(&wl_gate_fence_calls, memory_order_relaxed))
        atomic_thread_fence(memory_order_seq_cst);
    else
        atomic_signal_fence(memory_order_seq_cst); /* the closer's barrier does the CPU's part */
    if (atomic_load_explicit(&g->state, memory_order_acquire) == WALLOC_GATE_OPEN)
        return true;
    atomic_store_explicit(&s->inside, NULL, memory_order_release);
    return false;
}

/* Enters, waiting while the gate is exclusive: false once it is closed. */
static inline bool gate_enter(walloc_gate *g)
{
    return gate_try_enter(g) || wl_gate_enter_slow(g);
}

static inline void gate_exit(walloc_gate *g)
{
    struct gate_slot *s = wl_gate_my_slot;
    (void)g;
    if (s == NULL)
        wl_gate_exit_unslotted(); /* entered without a slot (out of memory) */
    else
        atomic_store_explicit(&s->inside, NULL, memory_order_release);
}

#endif
