/*
 * lock.h - the mutex the slow paths use (commit/growth, large blocks, thread-cache registry,
 * checked-mode table). The fast paths never take it. WebAssembly builds are single-threaded
 * (STANDALONE_WASM has no pthreads), so there it is a no-op.
 */
#ifndef WALLOC_LOCK_H
#define WALLOC_LOCK_H

#if defined(__wasm__) && !defined(__wasm_threads__)
/* One thread: every span is the one thread's own, no lock is ever contended. */
#define WALLOC_THREADS 0
typedef struct { int unused; } wl_mutex;
#define WL_MUTEX_INIT {0}
static inline void wl_mutex_init(wl_mutex *m) { (void)m; }
static inline void wl_mutex_destroy(wl_mutex *m) { (void)m; }
static inline void wl_lock(wl_mutex *m) { (void)m; }
static inline void wl_unlock(wl_mutex *m) { (void)m; }
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
