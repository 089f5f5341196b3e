/*
 * platform_barrier.h - a memory barrier executed by every running thread of the process, for
 * gates (walloc_gate.h) whose callers leave the fence out. One file per OS:
 * platform_barrier_linux.c (membarrier(2), private expedited), platform_barrier_windows.c
 * (FlushProcessWriteBuffers), platform_barrier_none.c (elsewhere: not available).
 */
#ifndef WALLOC_PLATFORM_BARRIER_H
#define WALLOC_PLATFORM_BARRIER_H

#include <stdbool.h>

/* Prepares the barrier; false when the OS has none (then callers must fence themselves).
 * Called once, before the first wl_platform_process_barrier. */
bool wl_platform_process_barrier_init(void);

/* Returns once every thread of the process that was running has executed a full memory barrier:
 * each thread's stores issued before it are visible to the caller, and each thread's loads after
 * it see the caller's stores issued before the call. */
void wl_platform_process_barrier(void);

#endif
