/*
 * platform_thread_exit_wasm.c - platform_thread.h for WebAssembly with threads (walloc-mt.wasm).
 *
 * Each Worker instantiates the module over the shared memory with its own stack and TLS block;
 * Workers never run thread destructors, so the armed function waits in this thread's TLS until
 * the host calls walloc_thread_exit() (walloc-shared.mjs: detach()/close()). A Worker that ends
 * without it leaves its caches attached: their spans stay owned by a thread that is gone, and
 * blocks freed into them by others are not reused until the instance is reset or destroyed.
 */
#include <stddef.h>

#include "lock.h"
#include "platform_thread.h"

#if WALLOC_WASM_THREADS

static _Thread_local void (*t_armed)(void);

void wl_platform_thread_exit_arm(void (*fn)(void))
{
    t_armed = fn;
}

__attribute__((export_name("walloc_thread_exit"))) void walloc_thread_exit(void)
{
    void (*fn)(void) = t_armed;
    t_armed = NULL;
    if (fn != NULL)
        fn();
}

#endif
