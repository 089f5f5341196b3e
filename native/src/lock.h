/*
 * lock.h - the mutex the slow paths use (commit/growth, large blocks, thread-cache registry,
 * checked-mode table, the wasm platform's free lists). The fast paths never take it.
 *
 * Three builds:
 *   - WebAssembly without threads (walloc.wasm): one thread, so a no-op;
 *   - WebAssembly with threads (walloc-mt.wasm, -pthread: shared memory and atomics): a spinlock
 *     on a C11 atomic. Not pthread_mutex: Emscripten's needs its JavaScript runtime, which the
 *     hand-written loader does not have, and a browser's main thread may not block in
 *     Atomics.wait. The locks guard short slow paths (a span or segment hand-over, a table
 *     update), so spinning costs less than a futex round trip would;
 *   - native: pthread_mutex.
 */
#ifndef WALLOC_LOCK_H
#define WALLOC_LOCK_H

/* A WebAssembly threads build: emcc -pthread defines __EMSCRIPTEN_PTHREADS__ (clang 14 has no
 * __wasm_threads__; later ones may). */
#if defined(__wasm__) && (defined(__wasm_threads__) || defined(__EMSCRIPTEN_PTHREADS__))
#define WALLOC_WASM_THREADS 1
#else
#define WALLOC_WASM_THREADS 0
#endif

#if defined(__wasm__) && !WALLOC_WASM_THREADS
/* One thread: every span is the one thread's own, no lock is ever contended. */
#define WALLOC_THREADS 0
typedef struct { int unused; } wl_mutex;
#define WL_MUTEX_INIT {0}
static inline void wl_mutex_init(wl_mutex *m) { (void)m; }
static inline void wl_mutex_destroy(wl_mutex *m) { (void)m; }
static inline void wl_lock(wl_mutex *m) { (void)m; }
static inline void wl_unlock(wl_mutex *m) { (void)m; }
#elif defined(__wasm__)
#define WALLOC_THREADS 1
#include <stdatomic.h>
/* Test-and-test-and-set: waiters spin on a plain load, so the line is written only when the lock
 * looks free. Acquire on taking, release on giving back. */
typedef struct { _Atomic int held; } wl_mutex;
#define WL_MUTEX_INIT {0}
static inline void wl_mutex_init(wl_mutex *m) { atomic_init(&m->held, 0); }
static inline void wl_mutex_destroy(wl_mutex *m) { (void)m; }
static inline void wl_lock(wl_mutex *m)
{
    while (atomic_exchange_explicit(&m->held, 1, memory_order_acquire) != 0)
        while (atomic_load_explicit(&m->held, memory_order_relaxed) != 0) {
        }
}
static inline void wl_unlock(wl_mutex *m) { atomic_store_explicit(&m->held, 0, memory_order_release); }
#else
#define WALLOC_THREADS 1
#include <pthread.h>
typedef pthread_mutex_t wl_mutex;
#define WL_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
static inline void wl_mutex_init(wl_mutex *m) { pthread_mutex_init(m, NULL); }
static inline void wl_mutex_destroy(wl_mutex *m) { pthread_mutex_destroy(m); }
static inline void wl_lock(wl_mutex *m) { pthread_mutex_lock(m); }
static inline void wl_unlock(wl_mutex *m) { pthread_mutex_unlock(m); }
#endif

#endif
