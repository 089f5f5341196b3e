/*
 * copy_dispatch.c - binds walloc_memcpy / walloc_memmove (x86-64) to the kernel the plan for
 * this CPU names (copy_plan.h, copy_kernels.h), once.
 *
 * Why not just call the C library's memcpy: glibc's switches to `rep movsb` from 2 KiB, which
 * has a 4 KiB-aliasing hole on AMD CPUs (12-30x slower at some placements), and streams only
 * from a threshold too high for these machines; and a copy the host asks for should not depend
 * on which C library the JVM or the game links. Where `rep movsb` is the CPU's best copy, the
 * plan uses it directly.
 *
 * On glibc the public functions are GNU indirect functions: the loader asks the resolvers once,
 * at load, which kernel to bind, so a call lands straight in it, as a call to glibc's memcpy
 * does (a version that copied up to 64 bytes inline and then jumped through a pointer lost to
 * glibc at 64 and 100 bytes by about a cycle). The resolvers also fill in the plan the kernels
 * read above their no-loop sizes. Elsewhere the first call decides, under a once-flag.
 * memcpy and memmove bind to the same kernel: each kernel handles overlap for one compare.
 */
#include "walloc.h"
#include "copy_kernels.h"

#include <stdatomic.h>

/* The sanitizers see neither masked moves (GCC's ASan/TSan) nor inline assembly: sanitizer
 * builds follow the plan for a CPU without them (copy_plan.h). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WALLOC_COPY_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WALLOC_COPY_SANITIZED 1
#endif
#endif
#ifndef WALLOC_COPY_SANITIZED
#define WALLOC_COPY_SANITIZED 0
#endif

typedef void *(*walloc_copy_fn)(void *, const void *, size_t);

walloc_copy_plan wl_copy_active;

/* Fills in wl_copy_active and returns its kernel. */
static WALLOC_NO_INSTRUMENT walloc_copy_fn plan_this_cpu(void)
{
    walloc_cpu_facts facts;
    wl_cpu_facts_read(&facts);
    wl_copy_active = wl_copy_plan_for(&facts, WALLOC_COPY_SANITIZED);
    switch (wl_copy_active.isa) {
    case WALLOC_COPY_ISA_AVX512: return wl_copy_avx512;
    case WALLOC_COPY_ISA_AVX2: return wl_copy_avx2;
    case WALLOC_COPY_ISA_SSE2: break;
    }
    return wl_copy_sse2;
}

#if defined(__linux__) && defined(__GLIBC__)
/* Both resolvers run before any code of this library and store the same plan. */
static WALLOC_NO_INSTRUMENT __attribute__((used)) walloc_copy_fn choose_kernel(void)
{
    return plan_this_cpu();
}

void *walloc_memcpy(void *dst, const void *src, size_t n) __attribute__((ifunc("choose_kernel")));
void *walloc_memmove(void *dst, const void *src, size_t n) __attribute__((ifunc("choose_kernel")));

const walloc_copy_plan *wl_copy_active_plan(void)
{
    return &wl_copy_active;
}
#else
static walloc_copy_fn bound;  /* written once, before `planned` says 2 */
static atomic_int planned;    /* 0: not yet, 1: being planned, 2: done */

static walloc_copy_fn bound_kernel(void)
{
    if (atomic_load_explicit(&planned, memory_order_acquire) != 2) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&planned, &expected, 1)) {
            bound = plan_this_cpu();
            atomic_store_explicit(&planned, 2, memory_order_release);
        } else {
            while (atomic_load_explicit(&planned, memory_order_acquire) != 2) {
            }
        }
    }
    return bound;
}

void *walloc_memcpy(void *dst, const void *src, size_t n)
{
    return bound_kernel()(dst, src, n);
}

void *walloc_memmove(void *dst, const void *src, size_t n)
{
    return bound_kernel()(dst, src, n);
}

const walloc_copy_plan *wl_copy_active_plan(void)
{
    bound_kernel();
    return &wl_copy_active;
}
#endif
