/*
 * bench_peer_mt.c - bench_mt.c's loops over Emscripten's malloc/free in a -pthread build
 * (-sMALLOC=dlmalloc: one global lock), with Emscripten's own JS glue and pthreads.
 *
 * The harness (harness_mt.mjs) drives it as it drives the Walloc Workers, through one control
 * block in the (shared) linear memory: pm_start(threads) starts the pthreads once (from
 * Emscripten's pre-started pool, PTHREAD_POOL_SIZE); each waits for the round number to change,
 * runs its loop if its index is below the round's thread count, adds its result and counts
 * itself done (memory.atomic.notify). JavaScript bumps the round, notifies, and waits on the done
 * count with Atomics.wait/waitAsync: the same timing as the Workers'. pm_stop ends the threads.
 */
#include <emscripten.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "window_sizes.h"

enum { MAX_THREADS = 16 };

/* The control block, read by JavaScript as Int32Array words (pm_control returns its address). */
static struct control {
    _Atomic int32_t round;   /* 0: bumped by JS to start a round */
    _Atomic int32_t done;    /* 1: threads done this round */
    int32_t threads;         /* 2: how many run this round */
    int32_t pattern;         /* 3: 0 pairs, 1 window, 2 control (no allocation), -1 quit */
    int32_t n;               /* 4: pairs per thread */
    int32_t size;            /* 5: pairs' size */
    _Atomic int32_t ok;      /* 6: sum of the loops' successful allocations */
    _Atomic int32_t ready;   /* 7: threads started */
    _Atomic int32_t ack;     /* 8: threads that read this round's words (JS writes the next
                              * round's only when all have: a thread that wakes late must not read
                              * them as its round's) */
} ctl;

static pthread_t tids[MAX_THREADS];
static int started;

volatile uint64_t pm_sink;
/* Each thread's own sink for the pairs loop's pointer (a shared one would bounce its cache line
 * between the threads on every pair: a cost of the benchmark, not of dlmalloc). */
static _Thread_local volatile uintptr_t pm_tsink;

static uint32_t pairs(uint32_t n, uint32_t size) {
    uint64_t acc = 0;
    uint32_t ok = 0;
    for (uint32_t i = 0; i < n; i++) {
        void *p = malloc(size);
        acc += (uintptr_t)p;
        ok += p != NULL;
        pm_tsink = (uintptr_t)p; /* the pointer escapes: LLVM may not delete the pair */
        free(p);
    }
    pm_sink = acc;
    return ok;
}

static uint32_t window(uint32_t n) {
    void *ring[256];
    uint32_t s = 12345, ok = 0;
    for (uint32_t i = 0; i < 256; i++) {
        ring[i] = malloc(window_next_size(&s));
    }
    uint64_t acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = i & 255;
        free(ring[k]);
        ring[k] = malloc(window_next_size(&s));
        acc += (uintptr_t)ring[k];
        ok += ring[k] != NULL;
    }
    for (uint32_t i = 0; i < 256; i++) free(ring[i]);
    pm_sink = acc;
    return ok;
}

/* bench_mt.c's control: n multiply-xorshift steps, no allocation. */
static uint32_t spin(uint32_t n) {
    uint32_t s = 12345;
    for (uint32_t i = 0; i < n; i++) s = (s ^ (s >> 15)) * 2246822519u + i; /* no closed form */
    pm_tsink = s;
    return n;
}

/* The loops are called afresh every round through these pointers (volatile: read each time, so
 * neither LLVM nor wasm-opt, which inlines small functions whatever `noinline` says, can inline
 * them into worker()). V8 has no on-stack replacement for wasm: a loop inlined into worker(),
 * which never returns, runs in the tier worker() was entered with, Liftoff, for the whole run,
 * and Liftoff code run by two threads at once slowed both 1.2-3x (measured: the control loop,
 * 2026-12-07; with node --no-liftoff it scaled perfectly). The Walloc Workers call their loops
 * from JavaScript each round and get the optimised code. */
static uint32_t (*volatile run_pairs)(uint32_t, uint32_t) = pairs;
static uint32_t (*volatile run_window)(uint32_t) = window;
static uint32_t (*volatile run_spin)(uint32_t) = spin;

static void *worker(void *arg) {
    int32_t me = (int32_t)(intptr_t)arg, seen = 0;
    atomic_fetch_add(&ctl.ready, 1);
    __builtin_wasm_memory_atomic_notify((int32_t *)&ctl.ready, 0x7fffffff);
    for (;;) {
        int32_t r;
        while ((r = atomic_load(&ctl.round)) == seen)
            __builtin_wasm_memory_atomic_wait32((int32_t *)&ctl.round, seen, -1);
        seen = r;
        int32_t threads = ctl.threads, pattern = ctl.pattern, n = ctl.n, size = ctl.size;
        atomic_fetch_add(&ctl.ack, 1);
        __builtin_wasm_memory_atomic_notify((int32_t *)&ctl.ack, 0x7fffffff);
        if (pattern < 0)
            break;
        if (me >= threads)
            continue;
        uint32_t ok = pattern == 1   ? run_window((uint32_t)n)
                      : pattern == 2 ? run_spin((uint32_t)n)
                                     : run_pairs((uint32_t)n, (uint32_t)size);
        atomic_fetch_add(&ctl.ok, (int32_t)ok);
        atomic_fetch_add(&ctl.done, 1);
        __builtin_wasm_memory_atomic_notify((int32_t *)&ctl.done, 0x7fffffff);
    }
    return NULL;
}

EMSCRIPTEN_KEEPALIVE uint32_t pm_control(void) { return (uint32_t)(uintptr_t)&ctl; }

/* Starts k threads (once); they count themselves in ctl.ready. Returns 0, or pthread_create's
 * error. */
EMSCRIPTEN_KEEPALIVE int32_t pm_start(int32_t k) {
    if (k > MAX_THREADS) k = MAX_THREADS;
    for (; started < k; started++) {
        int e = pthread_create(&tids[started], NULL, worker, (void *)(intptr_t)started);
        if (e != 0) return e;
    }
    return 0;
}

/* Ends the threads (JS bumped the round with pattern -1 first) and joins them. */
EMSCRIPTEN_KEEPALIVE void pm_join(void) {
    for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
    started = 0;
}

/* Bytes dlmalloc holds in allocated chunks now: after a run, what it held before. */
EMSCRIPTEN_KEEPALIVE double pm_in_use(void) { return (double)mallinfo().uordblks; }
