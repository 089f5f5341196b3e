/*
 * platform_windows.c - memory for Windows builds: VirtualAlloc reservations, commits on demand.
 *
 * Decommit differs from POSIX in one respect. The core needs the range to stay readable and
 * writable (a stale view may still touch memory a tier gave back, or an instance destroyed with
 * walloc_destroy_keep_region). MEM_DECOMMIT would make those pages fault, and decommitting then
 * recommitting leaves a window in which a concurrent write faults (seen:
 * Large.WritesIntoFreedBlocksDuringWalksNeverLeadOutsideTheTier under wine). MEM_RESET keeps the
 * pages committed and accessible and lets the system take their RAM back without writing them
 * out; what they read afterwards is unspecified (old bytes or zeros) rather than zeros. Nothing
 * in the core reads given-back memory without validating it, as for any write into free memory.
 */
#include "platform_memory.h"

#include <malloc.h>
#include <string.h>
#include <windows.h>

size_t wl_platform_page_size(void)
{
    return 4096; /* the page size of every Windows x86-64 and ARM64 system */
}

void *wl_platform_reserve(size_t bytes)
{
    return VirtualAlloc(NULL, bytes, MEM_RESERVE, PAGE_NOACCESS);
}

bool wl_platform_commit(void *addr, size_t bytes)
{
    return VirtualAlloc(addr, bytes, MEM_COMMIT, PAGE_READWRITE) != NULL;
}

void wl_platform_decommit(void *addr, size_t bytes)
{
    VirtualAlloc(addr, bytes, MEM_RESET, PAGE_READWRITE);
}

void wl_platform_release(void *addr, size_t bytes)
{
    (void)bytes; /* MEM_RELEASE frees the whole reservation addr begins */
    VirtualFree(addr, 0, MEM_RELEASE);
}

void *wl_platform_zeroed_alloc(size_t bytes)
{
    /* Committed but demand-zero: RAM only where the tables are written. */
    return VirtualAlloc(NULL, bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

void wl_platform_zeroed_free(void *p, size_t bytes)
{
    (void)bytes;
    VirtualFree(p, 0, MEM_RELEASE);
}

void *wl_platform_meta_alloc(size_t bytes)
{
    /* 64-byte aligned: the structures keep hot words on their own cache lines. */
    size_t rounded = (bytes + 63) & ~(size_t)63;
    void *p = _aligned_malloc(rounded, 64);
    if (p != NULL)
        memset(p, 0, rounded);
    return p;
}

void wl_platform_meta_free(void *p, size_t bytes)
{
    (void)bytes;
    _aligned_free(p);
}
