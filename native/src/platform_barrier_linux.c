/*
 * platform_barrier_linux.c - the process-wide barrier from membarrier(2), private expedited
 * (Linux 4.14+): an interrupt to each CPU running a thread of this process, no global cost.
 * Unavailable (old kernel, a seccomp filter, an emulator without it): gates fence every call.
 */
#include "platform_barrier.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

static long membarrier(int cmd)
{
    return syscall(__NR_membarrier, cmd, 0, 0);
}

bool wl_platform_process_barrier_init(void)
{
    long cmds = membarrier(MEMBARRIER_CMD_QUERY);
    if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
        return false;
    return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

void wl_platform_process_barrier(void)
{
    /* Cannot fail once registered (EINVAL/EPERM only come from a missing registration). */
    (void)membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}
