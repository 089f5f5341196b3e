/*
 * copy_internal.h - the pieces behind walloc_memcpy / walloc_memmove (copy.c, copy_avx2.c).
 *
 * Native: walloc_memcpy and walloc_memmove are bound (GNU ifunc, like glibc's memcpy) to one
 * complete implementation chosen once with cpuid:
 *
 *   walloc_memcpy_sse2 / walloc_memmove_sse2      copy.c, x86-64 baseline, 16-byte moves
 *   walloc_memcpy_avx2 / walloc_memmove_avx2      copy_avx2.c (-mavx2), 32-byte moves and loop
 *   walloc_memcpy_avx512 / walloc_memmove_avx512  copy_avx2.c, AVX2 plus two 64-byte moves for
 *                                                 65..128 bytes; chosen on AMD CPUs only
 *
 * Each is also complete for every size (tests call them directly). WebAssembly: no dispatch;
 * copy.c holds the only implementation.
 *
 * Not part of the public API: tests and benchmarks use this header to reach each instruction
 * set on any machine.
 */
#ifndef WALLOC_COPY_INTERNAL_H
#define WALLOC_COPY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* From this size up, native copies whose ranges do not overlap use non-temporal stores: the
 * destination would not fit in the cache anyway, so writing around it saves the read-for-
 * ownership of every destination line and keeps the rest of the cache (including the source
 * being read) intact. Measured on the target (AMD EPYC Zen 3 VM, 32 MiB L3 shared with
 * neighbours, 2 vCPUs), repeated copies between the same buffers: the cached AVX2 loop (and
 * glibc, which uses the same kind of loop from 1 MiB up) falls off a cliff between 8 and 10 MiB
 * (source + destination = 16-20 MiB, about half the L3), while NT stores run at a steady
 * ~27 GB/s whatever the size: 8 MiB cached 0.21 ms vs NT 0.30 ms; 9 MiB 0.34-0.55 vs 0.34;
 * 10 MiB 0.42-0.61 vs 0.39; 16 MiB 1.2 vs 0.67; 64 MiB 14-16 vs 7.5-10 (glibc 15-18 ms, it has
 * no NT path below 240 MiB here). cpuid's cache sizes are not trusted in a VM (this one
 * reports a 320 MiB L3), so this is a constant. Overridable at build time for measuring. */
#ifndef WALLOC_COPY_NT_THRESHOLD
#define WALLOC_COPY_NT_THRESHOLD ((size_t)9 << 20)
#endif

/* The cached loops prefetch the source 512 bytes ahead for copies larger than this. Measured
 * neutral on Zen 3 (within 1.5 % from 16 KiB to 8 MiB: its hardware prefetcher already follows
 * the stream; a prefetchw of the destination was 5-30 % slower); kept for CPUs with weaker
 * prefetchers. The NT loop's prefetchnta does pay: 64 MiB in 8.2-9.4 ms instead of 10.6-11.5. */
#ifndef WALLOC_COPY_PREFETCH_MIN
#define WALLOC_COPY_PREFETCH_MIN ((size_t)4096)
#endif

/* Instruction sets of the copy kernels. */
enum {
    WALLOC_COPY_ISA_AUTO = 0, /* what cpuid says: AVX2 when available, else SSE2 */
    WALLOC_COPY_ISA_SSE2 = 1,
    WALLOC_COPY_ISA_AVX2 = 2,
    WALLOC_COPY_ISA_AVX512 = 3 /* AVX2 with 64-byte moves for 65..256 bytes (AMD only) */
};

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

#if !defined(__wasm__)
/* Complete implementations per instruction set (native only); same contract as the public
 * functions. The AVX2 / AVX-512 ones may only run where cpuid reports those. */
void *walloc_memcpy_sse2(void *dst, const void *src, size_t n);
void *walloc_memmove_sse2(void *dst, const void *src, size_t n);
void *walloc_memcpy_avx2(void *dst, const void *src, size_t n);
void *walloc_memmove_avx2(void *dst, const void *src, size_t n);
void *walloc_memcpy_avx512(void *dst, const void *src, size_t n);
void *walloc_memmove_avx512(void *dst, const void *src, size_t n);

/* 1 when the ranges [dst, dst+n) and [src, src+n) do not overlap. */
static inline int walloc_copy_disjoint(const void *dst, const void *src, size_t n)
{
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    return d - s >= n && s - d >= n;
}
#endif

/* The instruction set walloc_memcpy / walloc_memmove are bound to (WALLOC_COPY_ISA_SSE2,
 * _AVX2 or _AVX512; WALLOC_COPY_ISA_AUTO in WebAssembly). Tests reach the other kernels
 * through the per-ISA functions above. */
int walloc_copy_active_isa(void);

#if defined(WALLOC_COPY_IMPLEMENTATION)
/* ---- Shared by copy.c and copy_avx2.c only ---- */

/* Unaligned, aliasing-safe scalar accesses (no memcpy call needed to express them). */
typedef uint16_t __attribute__((may_alias, aligned(1))) walloc_u16u;
typedef uint32_t __attribute__((may_alias, aligned(1))) walloc_u32u;
typedef uint64_t __attribute__((may_alias, aligned(1))) walloc_u64u;

/* 0..16 bytes: two overlapping scalar moves, both loads first (so overlap-safe). */
static inline __attribute__((always_inline)) WALLOC_COPY_NO_LIBCALL void
walloc_copy_upto16(char *d, const char *s, size_t n)
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
#endif /* WALLOC_COPY_IMPLEMENTATION */

#ifdef __cplusplus
}
#endif

#endif /* WALLOC_COPY_INTERNAL_H */
