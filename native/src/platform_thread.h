/*
 * platform_thread.h - how the core learns that a thread is done with it.
 *
 * A thread's caches (thread_slots.c) must be retired when the thread exits, or their spans stay
 * owned by nobody who will ever free into them. Where threads are OS threads, the platform runs
 * a function on the exiting thread: platform_thread_exit_pthread.c uses a pthread key's
 * destructor (POSIX, and Windows through its pthreads). WebAssembly Workers run no destructors:
 * platform_thread_exit_wasm.c keeps the function and the host calls walloc_thread_exit() on the
 * thread that is done (the JavaScript handle's detach()).
 *
 * Thread safety: both functions act on the calling thread only.
 */
#ifndef WALLOC_PLATFORM_THREAD_H
#define WALLOC_PLATFORM_THREAD_H

/* Arms fn to run once on the calling thread when it exits (or, in WebAssembly, when it calls
 * walloc_thread_exit). Calling it again before then changes nothing; after fn ran, a new call
 * arms it again. There is one fn for the whole process (thread_slots.c's). */
void wl_platform_thread_exit_arm(void (*fn)(void));

/* WebAssembly with threads: runs the armed function now, on the calling thread, and disarms it.
 * The host's detach calls it; nothing of this thread's caches is used afterwards unless the
 * thread calls into the core again (which attaches it anew). No-op when not armed. */
void walloc_thread_exit(void);

#endif
