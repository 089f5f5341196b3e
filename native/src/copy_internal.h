/*
 * copy_internal.h - the pieces behind walloc_memcpy / walloc_memmove (copy.c, copy_avx2.c).
 *
 * walloc_memcpy and walloc_memmove handle sizes up to WALLOC_COPY_INLINE_MAX inline in copy.c
 * (overlapping moves: everything is loaded before anything is stored, so those sizes are
 * memmove-safe for free). Natively, larger sizes go to one of two kernels per instruction set,
 * chosen once at run time with cpuid:
 *
 *   *_fwd(dst, src, n)  forward copy; correct for disjoint ranges and for dst < src overlapping
 *                        (memmove's forward case). Non-temporal stores from
 *                        WALLOC_COPY_NT_THRESHOLD bytes up when the ranges do not overlap.
 *   *_bwd(dst, src, n)  backward copy; correct for disjoint ranges and for dst > src.
 *
 * Both kernels accept any n > 64 (sizes up to 128 for SSE2, 256 for AVX2, are again overlapping
 * moves, memmove-safe in both kernels). Not part of the public API: tests and benchmarks use
 * this header to exercise each instruction set on any machine.
 */
#ifndef WALLOC_COPY_INTERNAL_H
#define WALLOC_COPY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest size copy.c handles inline, before any dispatch. Natively 64: from 65 bytes the AVX2
 * kernel's 32-byte moves beat 16-byte ones (measured: 128 B was up to 1.5x slower with eight
 * 16-byte moves than glibc's four 32-byte ones), and only the kernel may use AVX2. In wasm there
 * is no dispatch and SIMD128 is 16 bytes wide anyway. */
#if defined(__wasm__)
#define WALLOC_COPY_INLINE_MAX 128
#else
#define WALLOC_COPY_INLINE_MAX 64
#endif

/* From this size up, native copies whose ranges do not overlap use non-temporal stores: the
 * destination would not fit in the cache anyway, so writing around it saves the read-for-
 * ownership of every destination line and keeps the rest of the cache (including the source
 * being read) intact. Chosen by measurement on the target (AMD EPYC Zen 3, 32 MiB L3 shared,
 * 2 vCPUs): below this size a cached copy is faster, because the data is often still in L2/L3
 * when the caller reads it. */
#ifndef WALLOC_COPY_NT_THRESHOLD /* overridable at build time, for measuring */
#define WALLOC_COPY_NT_THRESHOLD ((size_t)4 << 20)
#endif

/* Software prefetch of the source is issued for copies larger than this (shorter copies are
 * covered by the hardware prefetcher before a software hint could help). */
#ifndef WALLOC_COPY_PREFETCH_MIN
#define WALLOC_COPY_PREFETCH_MIN ((size_t)4096)
#endif

/* Instruction sets for walloc_copy_force_isa. */
enum {
    WALLOC_COPY_ISA_AUTO = 0, /* what cpuid says: AVX2 when available, else SSE2 */
    WALLOC_COPY_ISA_SSE2 = 1,
    WALLOC_COPY_ISA_AVX2 = 2
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
/* Kernels (native only). n must be greater than 64. They return dst. */
void *walloc_copy_sse2_fwd(void *dst, const void *src, size_t n);
void *walloc_copy_sse2_bwd(void *dst, const void *src, size_t n);
void *walloc_copy_avx2_fwd(void *dst, const void *src, size_t n);
void *walloc_copy_avx2_bwd(void *dst, const void *src, size_t n);

/* 1 when the ranges [dst, dst+n) and [src, src+n) do not overlap. */
static inline int walloc_copy_disjoint(const void *dst, const void *src, size_t n) {
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    return d - s >= n && s - d >= n;
}
#endif

/* Makes walloc_memcpy / walloc_memmove use the given instruction set from now on (tests,
 * benchmarks). Returns 1 on success, 0 when the CPU cannot run it (nothing changes). Not
 * meant to be called while other threads copy (they would see either choice, both correct). */
int walloc_copy_force_isa(int isa);

/* The instruction set walloc_memcpy uses now (WALLOC_COPY_ISA_SSE2 or _AVX2; resolves it if
 * no copy happened yet). */
int walloc_copy_active_isa(void);

#ifdef __cplusplus
}
#endif

#endif /* WALLOC_COPY_INTERNAL_H */
