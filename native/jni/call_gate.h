/*
 * call_gate.h - close- and reset-safety for the hot JNI calls, without a fence on the caller.
 *
 * Each Java Walloc instance has a gate: a word (generation << 2 | state) and the instance
 * pointer. Each calling thread has a record whose `inside` names the gate it is in (or NULL). A
 * call stores its gate into `inside`, then loads the gate word: when it reads OPEN for the
 * caller's generation the call runs, and it clears `inside` (release) when done. Reset, compact
 * and close set the word first, then wait until no record names the gate. Either the caller sees
 * the new word or the closer sees the caller's record (Dekker).
 *
 * The caller's store -> load order, which the CPU may otherwise reorder, is enforced
 * asymmetrically: the closer issues membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which runs a
 * full barrier on every CPU running a thread of this process, so the caller needs only a compiler
 * barrier (the scheme of liburcu's membarrier flavour). Where membarrier is missing (old kernel,
 * seccomp, not Linux), or with WALLOC_GATE_FENCE=1 in the environment (the tests run this
 * fallback too), every caller uses a full fence instead.
 *
 * Lifetime: gates and records are never freed. A closed gate goes back to a free list with its
 * generation advanced, so a thread still holding an old (gate, generation) pair reads valid
 * memory and a mismatched generation, and is refused. A thread's record is released for reuse by
 * a pthread key destructor when the thread exits.
 *
 * Thread safety: call_gate_enter / call_gate_exit from any thread; call_gate_set for one gate from
 * one thread at a time (the Java side serialises them under its control lock); open and recycle
 * from any thread.
 */
#ifndef WALLOC_CALL_GATE_H
#define WALLOC_CALL_GATE_H

#include <stdatomic.h>
#include <stdint.h>

#include "walloc.h"

enum { CALL_GATE_OPEN = 0, CALL_GATE_EXCLUSIVE = 1, CALL_GATE_CLOSED = 2 };

struct call_gate {
    _Atomic uint64_t word; /* generation << 2 | state */
    walloc *w;             /* valid while the word is OPEN or EXCLUSIVE */
    struct call_gate *next_free;
    char pad[64 - 2 * sizeof(void *) - sizeof(uint64_t)]; /* a cache line of its own */
};

struct call_gate_record {
    _Atomic(struct call_gate *) inside;
    atomic_int used;
    struct call_gate_record *next;
    char pad[64 - 2 * sizeof(void *) - sizeof(int)];
};

extern __thread struct call_gate_record *call_gate_tl __attribute__((tls_model("initial-exec")));
extern int call_gate_fence_needed;

/* Once, before any other call (JNI_OnLoad). 0 on success. */
int call_gate_init(void);

/* 1 when callers rely on the closer's membarrier, 0 when each call fences (the fallback). */
int call_gate_uses_membarrier(void);

/* A gate for w, OPEN; NULL when out of memory. Its generation: call_gate_generation. */
struct call_gate *call_gate_open(walloc *w);
uint64_t call_gate_generation(struct call_gate *g);

/* Sets the state for generation gen. EXCLUSIVE and CLOSED return once no call is inside; calls
 * arriving during EXCLUSIVE wait, calls during CLOSED are refused. */
void call_gate_set(struct call_gate *g, uint64_t gen, int state);

/* After CLOSED (drained) and walloc_destroy: back to the free list under the next generation. */
void call_gate_recycle(struct call_gate *g);

walloc *call_gate_enter_slow(struct call_gate *g, uint64_t gen);

/* Enters g for generation gen: returns the instance, or NULL when the gate is closed (or reused
 * by a later instance); waits while a reset or compaction holds it. The fast path is two loads
 * and a store: no read-modify-write, and no fence where membarrier works. */
static inline __attribute__((always_inline)) walloc *call_gate_enter(struct call_gate *g, uint64_t gen)
{
    struct call_gate_record *r = call_gate_tl;
    if (__builtin_expect(r != NULL, 1)) {
        atomic_store_explicit(&r->inside, g, memory_order_relaxed);
        if (call_gate_fence_needed)
            atomic_thread_fence(memory_order_seq_cst);
        else
            atomic_signal_fence(memory_order_seq_cst); /* the closer's membarrier does the rest */
        if (__builtin_expect(atomic_load_explicit(&g->word, memory_order_acquire) ==
                                 (gen << 2 | CALL_GATE_OPEN), 1))
            return g->w;
        atomic_store_explicit(&r->inside, NULL, memory_order_release);
    }
    return call_gate_enter_slow(g, gen);
}

/* Leaves the gate entered last on this thread: everything the call did happens before a closer
 * sees the record clear. */
static inline __attribute__((always_inline)) void call_gate_exit(void)
{
    atomic_store_explicit(&call_gate_tl->inside, NULL, memory_order_release);
}

#endif
