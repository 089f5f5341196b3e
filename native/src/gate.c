/*
 * gate.c - walloc_gate.h: calls publish themselves in their thread's slot, closers wait for slots.
 *
 * Each thread that ever enters a gate owns one slot (its own cache line) in a process-wide list
 * that only grows; a slot is handed to a new thread when its owner exits. A call stores the
 * gate's address in its slot, orders that store before its read of the gate's state (a compiler
 * barrier when the OS has a process-wide barrier, else a full fence), and reads the state. A
 * closer stores the state, runs the process-wide barrier (or a full fence, pairing with the
 * callers'), and then waits until no slot names the gate. Either the caller's read comes after
 * the barrier and sees the new state, or its store came before and the closer sees it.
 */
#include "walloc_gate.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "gate_fast.h"
#include "platform_barrier.h"
#include "platform_memory.h"

static _Atomic(struct gate_slot *) g_slots;
/* Calls of threads that could get no slot (out of memory): counted with fenced atomics. */
static _Atomic long g_unslotted;
atomic_bool wl_gate_fence_calls;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_exit_key;

__thread struct gate_slot *wl_gate_my_slot __attribute__((tls_model("initial-exec")));

/* The thread exits (a pthread key destructor, run on that thread): its slot goes to the next
 * thread that needs one; a call made after this, from a later destructor, claims a slot anew. */
static void slot_release(void *s)
{
    wl_gate_my_slot = NULL;
    atomic_store_explicit(&((struct gate_slot *)s)->taken, false, memory_order_release);
}

static void init_once(void)
{
    atomic_store_explicit(&wl_gate_fence_calls, !wl_platform_process_barrier_init(), memory_order_relaxed);
    pthread_key_create(&g_exit_key, slot_release);
}

static struct gate_slot *slot_claim(void)
{
    struct gate_slot *s;
    for (s = atomic_load_explicit(&g_slots, memory_order_acquire); s != NULL; s = s->next) {
        bool free_slot = false;
        if (!atomic_load_explicit(&s->taken, memory_order_relaxed) &&
            atomic_compare_exchange_strong(&s->taken, &free_slot, true))
            goto claimed;
    }
    s = wl_platform_meta_alloc(sizeof *s); /* zeroed, 64-byte aligned */
    if (s == NULL)
        return NULL;
    atomic_init(&s->inside, NULL);
    atomic_init(&s->taken, true);
    s->next = atomic_load_explicit(&g_slots, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&g_slots, &s->next, s, memory_order_release,
                                                  memory_order_relaxed)) {
    }
claimed:
    pthread_setspecific(g_exit_key, s); /* gives the slot back when the thread exits */
    wl_gate_my_slot = s;
    return s;
}

static void pause_briefly(unsigned *spins)
{
    if (++*spins < 64)
        atomic_signal_fence(memory_order_seq_cst);
    else
        sched_yield();
}

walloc_gate *walloc_gate_new(void)
{
    pthread_once(&g_once, init_once);
    walloc_gate *g = wl_platform_meta_alloc(sizeof *g);
    if (g != NULL)
        atomic_init(&g->state, WALLOC_GATE_OPEN);
    return g;
}

void walloc_gate_delete(walloc_gate *g)
{
    if (g != NULL)
        wl_platform_meta_free(g, sizeof *g);
}

static bool enter_unslotted(walloc_gate *g)
{
    for (unsigned spins = 0;;) {
        atomic_fetch_add(&g_unslotted, 1);
        int st = atomic_load(&g->state);
        if (st == WALLOC_GATE_OPEN)
            return true;
        atomic_fetch_sub(&g_unslotted, 1);
        if (st == WALLOC_GATE_CLOSED)
            return false;
        pause_briefly(&spins);
    }
}

/* Enter's every other case: no slot yet, or the gate not open (then the slot is cleared, and
 * the call waits while the gate is exclusive and tries again). Out of line: the fast path stays
 * a handful of instructions with no frame. */
bool wl_gate_enter_slow(walloc_gate *g)
{
    struct gate_slot *s = wl_gate_my_slot;
    if (s == NULL && (s = slot_claim()) == NULL)
        return enter_unslotted(g);
    for (unsigned spins = 0;;) {
        atomic_store_explicit(&s->inside, g, memory_order_relaxed);
        atomic_thread_fence(memory_order_seq_cst); /* slow path: the full fence costs nothing here */
        int st = atomic_load_explicit(&g->state, memory_order_acquire);
        if (st == WALLOC_GATE_OPEN)
            return true;
        atomic_store_explicit(&s->inside, NULL, memory_order_release);
        if (st == WALLOC_GATE_CLOSED)
            return false;
        while (atomic_load_explicit(&g->state, memory_order_relaxed) == WALLOC_GATE_EXCLUSIVE)
            pause_briefly(&spins);
    }
}

bool walloc_gate_enter(walloc_gate *g)
{
    return gate_enter(g);
}

void walloc_gate_exit(walloc_gate *g)
{
    gate_exit(g);
}

void wl_gate_exit_unslotted(void)
{
    atomic_fetch_sub(&g_unslotted, 1);
}

void walloc_gate_shut(walloc_gate *g, walloc_gate_state state)
{
    atomic_store(&g->state, (int)state);
    if (!atomic_load_explicit(&wl_gate_fence_calls, memory_order_relaxed))
        wl_platform_process_barrier();
    atomic_thread_fence(memory_order_seq_cst);
    unsigned spins = 0;
    for (struct gate_slot *s = atomic_load_explicit(&g_slots, memory_order_acquire); s != NULL; s = s->next) {
        while (atomic_load_explicit(&s->inside, memory_order_acquire) == g)
            pause_briefly(&spins);
    }
    while (atomic_load(&g_unslotted) != 0)
        pause_briefly(&spins);
}

void walloc_gate_open(walloc_gate *g)
{
    atomic_store_explicit(&g->state, WALLOC_GATE_OPEN, memory_order_release);
}

bool walloc_gate_asymmetric(void)
{
    pthread_once(&g_once, init_once);
    return !atomic_load_explicit(&wl_gate_fence_calls, memory_order_relaxed);
}
