/*
 * platform_posix.c - memory for native builds: mmap reservations, mprotect commits.
 */
#include "platform_memory.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

size_t wl_platform_page_size(void)
{
    /* Racing first calls all store the same value: relaxed atomics make that well defined. */
    static _Atomic size_t page;
    size_t p = atomic_load_explicit(&page, memory_order_relaxed);
    if (p == 0) {
        p = (size_t)sysconf(_SC_PAGESIZE);
        atomic_store_explicit(&page, p, memory_order_relaxed);
    }
    return p;
}

void *wl_platform_reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

bool wl_platform_commit(void *addr, size_t bytes)
{
    return mprotect(addr, bytes, PROT_READ | PROT_WRITE) == 0;
}

void wl_platform_decommit(void *addr, size_t bytes)
{
    madvise(addr, bytes, MADV_DONTNEED);
}

void wl_platform_release(void *addr, size_t bytes)
{
    munmap(addr, bytes);
}

void *wl_platform_zeroed_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void wl_platform_zeroed_free(void *p, size_t bytes)
{
    munmap(p, bytes);
}

void *wl_platform_meta_alloc(size_t bytes)
{
    /* 64-byte aligned: the structures keep hot words on their own cache lines. */
    size_t rounded = (bytes + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, rounded);
    if (p != NULL)
        memset(p, 0, rounded);
    return p;
}

void wl_platform_meta_free(void *p, size_t bytes)
{
    (void)bytes;
    free(p);
}
