/*
 * platform_barrier_windows.c - the process-wide barrier from FlushProcessWriteBuffers (an
 * interrupt to each processor running a thread of this process; Windows Vista and later).
 */
#include "platform_barrier.h"

#include <windows.h>

bool wl_platform_process_barrier_init(void)
{
    return true;
}

void wl_platform_process_barrier(void)
{
    FlushProcessWriteBuffers();
}
