/*
 * call_gate.c - the slow halves of call_gate.h: records, gate allocation, the closer's barrier.
 */
#include "call_gate.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

__thread struct call_gate_record *call_gate_tl __attribute__((tls_model("initial-exec")));
int call_gate_fence_needed = 1; /* until call_gate_init has registered membarrier */

static _Atomic(struct call_gate_record *) records; /* every record ever made, push only */
static struct call_gate *free_gates;                 /* under gates_lock */
static atomic_flag gates_lock = ATOMIC_FLAG_INIT;
static pthread_key_t record_key;

static void record_release(void *p)
{
    struct call_gate_record *r = p;
    atomic_store_explicit(&r->inside, NULL, memory_order_release);
    atomic_store_explicit(&r->used, 0, memory_order_release);
}

/* This thread's record: a released one if any, else a new one. NULL when out of memory. */
static struct call_gate_record *record_attach(void)
{
    struct call_gate_record *r;
    for (r = atomic_load_explicit(&records, memory_order_acquire); r; r = r->next) {
        int unused = 0;
        if (atomic_load_explicit(&r->used, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_strong(&r->used, &unused, 1))
            break;
    }
    if (!r) {
        if (posix_memalign((void **)&r, 64, sizeof *r) != 0)
            return NULL;
        memset(r, 0, sizeof *r);
        atomic_init(&r->used, 1);
        struct call_gate_record *head = atomic_load_explicit(&records, memory_order_relaxed);
        do
            r->next = head;
        while (!atomic_compare_exchange_weak_explicit(&records, &head, r, memory_order_release,
                                                      memory_order_relaxed));
    }
    pthread_setspecific(record_key, r); /* released when the thread exits */
    call_gate_tl = r;
    return r;
}

#if defined(__linux__)
static long membarrier(int cmd)
{
    return syscall(__NR_membarrier, cmd, 0, 0);
}
#endif

int call_gate_init(void)
{
    if (pthread_key_create(&record_key, record_release) != 0)
        return -1;
    const char *force_fence = getenv("WALLOC_GATE_FENCE");
    if (force_fence && *force_fence && strcmp(force_fence, "0") != 0)
        return 0;
#if defined(__linux__)
    long q = membarrier(MEMBARRIER_CMD_QUERY);
    if (q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 &&
        membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
        call_gate_fence_needed = 0;
#endif
    return 0;
}

int call_gate_uses_membarrier(void)
{
    return !call_gate_fence_needed;
}

/* The closer's half of the asymmetric Dekker: a full barrier on every thread of the process
 * (membarrier), or on this one only when every caller fences itself. */
static void heavy_barrier(void)
{
    atomic_thread_fence(memory_order_seq_cst);
#if defined(__linux__)
    if (call_gate_fence_needed)
        return;
    if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
        return;
    /* Registered and tried at load, so this does not fail; if it ever did, the slow global
     * command (an RCU grace period) gives the same guarantee. */
    if (membarrier(MEMBARRIER_CMD_GLOBAL) == 0)
        return;
    abort(); /* without any barrier a close could race a call inside the core */
#endif
}

static void pause_or_yield(unsigned spins)
{
    if (spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else {
        sched_yield();
    }
}

/* The first call on a thread, a reset or compaction holding the gate (wait, not announced, then
 * try again), or a refusal (closed, or another generation: NULL). */
__attribute__((noinline, cold)) walloc *call_gate_enter_slow(struct call_gate *g, uint64_t gen)
{
    struct call_gate_record *r = call_gate_tl;
    if (r == NULL && (r = record_attach()) == NULL)
        return NULL; /* only when malloc fails; reported as closed */
    const uint64_t open = gen << 2 | CALL_GATE_OPEN;
    const uint64_t exclusive = gen << 2 | CALL_GATE_EXCLUSIVE;
    for (;;) {
        atomic_store_explicit(&r->inside, g, memory_order_relaxed);
        atomic_thread_fence(memory_order_seq_cst); /* the slow path may as well */
        uint64_t word = atomic_load_explicit(&g->word, memory_order_acquire);
        if (word == open)
            return g->w;
        atomic_store_explicit(&r->inside, NULL, memory_order_release);
        if (word != exclusive)
            return NULL;
        for (unsigned spins = 0; atomic_load_explicit(&g->word, memory_order_acquire) == exclusive;
             spins++)
            pause_or_yield(spins);
    }
}

static void lock_gates(void)
{
    while (atomic_flag_test_and_set_explicit(&gates_lock, memory_order_acquire))
        sched_yield();
}

static void unlock_gates(void)
{
    atomic_flag_clear_explicit(&gates_lock, memory_order_release);
}

struct call_gate *call_gate_open(walloc *w)
{
    lock_gates();
    struct call_gate *g = free_gates;
    if (g)
        free_gates = g->next_free;
    unlock_gates();
    if (!g) {
        if (posix_memalign((void **)&g, 64, sizeof *g) != 0)
            return NULL;
        memset(g, 0, sizeof *g);
        atomic_init(&g->word, (uint64_t)1 << 2 | CALL_GATE_CLOSED);
    }
    g->w = w;
    uint64_t gen = atomic_load_explicit(&g->word, memory_order_relaxed) >> 2;
    atomic_store_explicit(&g->word, gen << 2 | CALL_GATE_OPEN, memory_order_release);
    return g;
}

uint64_t call_gate_generation(struct call_gate *g)
{
    return atomic_load_explicit(&g->word, memory_order_acquire) >> 2;
}

void call_gate_set(struct call_gate *g, uint64_t gen, int state)
{
    uint64_t word = gen << 2 | (uint64_t)(state & 3);
    if (state == CALL_GATE_OPEN) {
        atomic_store_explicit(&g->word, word, memory_order_release);
        return;
    }
    atomic_store_explicit(&g->word, word, memory_order_seq_cst);
    heavy_barrier();
    for (struct call_gate_record *r = atomic_load_explicit(&records, memory_order_acquire); r;
         r = r->next)
        for (unsigned spins = 0; atomic_load_explicit(&r->inside, memory_order_acquire) == g; spins++)
            pause_or_yield(spins);
}

void call_gate_recycle(struct call_gate *g)
{
    uint64_t gen = atomic_load_explicit(&g->word, memory_order_relaxed) >> 2;
    atomic_store_explicit(&g->word, (gen + 1) << 2 | CALL_GATE_CLOSED, memory_order_release);
    g->w = NULL;
    lock_gates();
    g->next_free = free_gates;
    free_gates = g;
    unlock_gates();
}
