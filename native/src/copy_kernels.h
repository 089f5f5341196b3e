/*
 * copy_kernels.h - the copy kernels behind walloc_memcpy / walloc_memmove, and what they share.
 *
 * x86-64: one kernel per vector width, each complete for every size and every overlap (memcpy
 * and memmove are one function: telling overlap apart costs one compare, on the loop path only):
 *
 *   wl_copy_sse2     copy_sse2.c     16-byte moves; no loop up to 128 bytes
 *   wl_copy_avx2     copy_avx2.c     32-byte moves; no loop up to 256 bytes   (-mavx2)
 *   wl_copy_avx512   copy_avx512.c   64-byte moves, one masked move up to 64 bytes; no loop
 *                                        up to 512 bytes                  (-mavx512f/bw/vl -mbmi2)
 *
 * Above its no-loop sizes a kernel asks walloc_copy_route which way to go (the plan's rep movsb
 * and non-temporal ranges, the direction). The plain entry points follow the active plan
 * (copy_plan.h); the _planned ones take a plan, so tests can force every route on any CPU.
 * A kernel may only run where the plan's facts say the CPU has its instructions.
 *
 * WebAssembly: copy_wasm.c, sharing only the helpers at the top of this file.
 * Not public API.
 */
#ifndef WALLOC_COPY_KERNELS_H
#define WALLOC_COPY_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "copy_plan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stops the compiler from turning a copy loop back into a call to memcpy/memmove (glibc's
 * would bring back the rep movsb hole; in wasm a tiny loop would become a memory.copy call).
 * gcc recognises such loops in -ftree-loop-distribute-patterns; clang in its loop-idiom pass,
 * which honours no_builtin. Checked with objdump -d / wasm-dis: no call to memcpy/memmove. */
#if defined(__clang__)
#define WALLOC_COPY_NO_LIBCALL __attribute__((no_builtin("memcpy", "memmove", "memset")))
#elif defined(__GNUC__)
#define WALLOC_COPY_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define WALLOC_COPY_NO_LIBCALL
#endif

#define WALLOC_COPY_INLINE static inline __attribute__((always_inline)) WALLOC_COPY_NO_LIBCALL

/* Unaligned, aliasing-safe scalar accesses (no memcpy call needed to express them). */
typedef uint16_t __attribute__((may_alias, aligned(1))) walloc_u16u;
typedef uint32_t __attribute__((may_alias, aligned(1))) walloc_u32u;
typedef uint64_t __attribute__((may_alias, aligned(1))) walloc_u64u;

/* 0..16 bytes: two overlapping scalar moves, both loads first (so overlap-safe). */
WALLOC_COPY_INLINE void walloc_copy_upto16(char *d, const char *s, size_t n)
{
    if (n >= 8) {
        uint64_t a = *(const walloc_u64u *)s;
        uint64_t b = *(const walloc_u64u *)(s + n - 8);
        *(walloc_u64u *)d = a;
        *(walloc_u64u *)(d + n - 8) = b;
    } else if (n >= 4) {
        uint32_t a = *(const walloc_u32u *)s;
        uint32_t b = *(const walloc_u32u *)(s + n - 4);
        *(walloc_u32u *)d = a;
        *(walloc_u32u *)(d + n - 4) = b;
    } else if (n >= 2) {
        uint16_t a = *(const walloc_u16u *)s;
        uint16_t b = *(const walloc_u16u *)(s + n - 2);
        *(walloc_u16u *)d = a;
        *(walloc_u16u *)(d + n - 2) = b;
    } else if (n == 1) {
        *d = *s;
    }
}

#if !defined(__wasm__)

/* Complete kernels; contract of memmove. */
void *wl_copy_sse2(void *dst, const void *src, size_t n);
void *wl_copy_avx2(void *dst, const void *src, size_t n);
void *wl_copy_avx512(void *dst, const void *src, size_t n);
void *wl_copy_sse2_planned(const walloc_copy_plan *plan, void *dst, const void *src, size_t n);
void *wl_copy_avx2_planned(const walloc_copy_plan *plan, void *dst, const void *src, size_t n);
void *wl_copy_avx512_planned(const walloc_copy_plan *plan, void *dst, const void *src,
                                 size_t n);

/* The plan the plain entry points follow (copy_dispatch.c). Hidden where ELF has visibility:
 * the kernels reach it without a GOT load. */
#if defined(_WIN32)
extern walloc_copy_plan wl_copy_active;
#else
extern __attribute__((visibility("hidden"))) walloc_copy_plan wl_copy_active;
#endif

/* Larger copies prefetch the source ahead. Measured neutral on Zen 3 (within 1.5 % from 16 KiB
 * to 8 MiB: its hardware prefetcher already follows the stream; a prefetchw of the destination
 * was 5-30 % slower); kept for CPUs with weaker prefetchers. The non-temporal loop's
 * prefetchnta does pay: 64 MiB in 8.2-9.4 ms instead of 10.6-11.5. */
#ifndef WALLOC_COPY_PREFETCH_MIN
#define WALLOC_COPY_PREFETCH_MIN ((size_t)4096)
#endif
#ifndef WALLOC_COPY_PREFETCH_AHEAD
#define WALLOC_COPY_PREFETCH_AHEAD 512
#endif

typedef enum walloc_copy_way {
    WALLOC_COPY_FORWARD,   /* vector loop, low addresses first */
    WALLOC_COPY_BACKWARD,  /* vector loop, high addresses first */
    WALLOC_COPY_STREAM,    /* forward, non-temporal stores */
    WALLOC_COPY_REP_MOVSB  /* the CPU's string copy */
} walloc_copy_way;

/* How a kernel copies n bytes beyond its no-loop sizes.
 * Overlapping ranges go the only safe way. Disjoint ones follow the plan; else the loop runs
 * backward when dst lies 1..255 bytes above src modulo 4 KiB: a forward loop's loads would then
 * share their low 12 address bits with stores it has just issued, and the CPU holds each load
 * until it has ruled the store out ("4 KiB aliasing"; on Zen 4 a 16 KiB copy at 64 bytes ran
 * several times slower forward than backward in some processes: bench/native/NOTES.md).
 * Backward, the loads run below the stores instead. glibc makes the same choice with the same
 * window, and includes 0; at 0 the loads run a whole iteration ahead of same-offset stores, and
 * forward measured faster (64 KiB and 1 MiB on Zen 4: bench/native/NOTES.md). */
WALLOC_COPY_INLINE walloc_copy_way walloc_copy_route(const void *dst, const void *src, size_t n,
                                                     const walloc_copy_plan *plan)
{
    const uintptr_t above = (uintptr_t)dst - (uintptr_t)src; /* dst - src, modulo 2^64 */
    if (above < n)
        return WALLOC_COPY_BACKWARD; /* dst overlaps the upper part of src (or equals it) */
    if ((uintptr_t)src - (uintptr_t)dst < n)
        return WALLOC_COPY_FORWARD; /* dst overlaps the lower part of src */
    if (n >= plan->rep_movsb_min && n < plan->rep_movsb_end)
        return WALLOC_COPY_REP_MOVSB;
    if (n > plan->stream_above)
        return WALLOC_COPY_STREAM;
    const uintptr_t page_offset = above & 4095;
    return page_offset != 0 && page_offset < 256 ? WALLOC_COPY_BACKWARD : WALLOC_COPY_FORWARD;
}

/* n bytes with the CPU's string copy (disjoint ranges only; forward). */
WALLOC_COPY_INLINE void walloc_copy_rep_movsb(void *dst, const void *src, size_t n)
{
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

#endif /* !__wasm__ */

#ifdef __cplusplus
}
#endif

#endif /* WALLOC_COPY_KERNELS_H */
