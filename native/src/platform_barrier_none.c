/*
 * platform_barrier_none.c - systems without a process-wide barrier we use: gates fence every call.
 */
#include "platform_barrier.h"

bool wl_platform_process_barrier_init(void)
{
    return false;
}

void wl_platform_process_barrier(void)
{
}
