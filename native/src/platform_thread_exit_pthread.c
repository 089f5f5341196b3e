/*
 * platform_thread_exit_pthread.c - platform_thread.h on OS threads: a pthread key whose
 * destructor runs the armed function when the thread exits. Any non-NULL value arms the key;
 * the destructor clears it, so a later call re-arms it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "platform_thread.h"

/* The one function (thread_slots.c's), stored by every arming thread: atomic, relaxed (the same
 * value each time; pthread_once orders the key's creation). */
static _Atomic(void (*)(void)) g_fn;
static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void on_exit_key(void *unused)
{
    (void)unused;
    atomic_load_explicit(&g_fn, memory_order_relaxed)();
}

static void make_key(void)
{
    pthread_key_create(&g_key, on_exit_key);
}

void wl_platform_thread_exit_arm(void (*fn)(void))
{
    atomic_store_explicit(&g_fn, fn, memory_order_relaxed);
    pthread_once(&g_once, make_key);
    if (pthread_getspecific(g_key) == NULL)
        pthread_setspecific(g_key, &g_key);
}
