/*
 * copy_wasm.c - walloc_memcpy / walloc_memmove in WebAssembly.
 *
 * Small copies inline (scalar or SIMD128 moves, all loads before all stores, so overlap-safe),
 * from WALLOC_WASM_MEMORY_COPY_MIN up __builtin_memmove, which compiles to a single
 * `memory.copy` with -mbulk-memory: V8 runs that 1.4-1.7x faster than any SIMD128 loop from
 * 1 KiB up, but it has a flat cost per copy that an inline copy beats for small sizes
 * (bench/wasm/NOTES.md, "Copies inside wasm").
 * (x86-64 has its kernels and dispatch in copy_dispatch.c.)
 */
#include "walloc.h"
#include "copy_kernels.h"

#include <stdint.h>

/* From this many bytes up, copies are one `memory.copy` (a flat cost in V8, then faster than
 * SIMD128 from ~1 KiB); below it an inline copy wins. The threshold sweep in bench/wasm scored
 * 256 best and 128 next (what 128-255 B copies cost more: bench/wasm/NOTES.md, "The copy
 * threshold"); 128 since 2026-12-07, because the 16-byte loops that 256 needs no longer fit
 * walloc.wasm's 16 KB budget. Keep it >= 1. */
#ifndef WALLOC_WASM_MEMORY_COPY_MIN
#define WALLOC_WASM_MEMORY_COPY_MIN 128
#endif

#define VEC 16
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
typedef v128_t walloc_vec;
#define VEC_LOADU(p) wasm_v128_load(p)
#define VEC_STOREU(p, v) wasm_v128_store((p), (v))
#else
/* No SIMD128: a 16-byte "vector" is two 8-byte words. */
typedef struct {
    uint64_t lo, hi;
} walloc_vec;
static inline WALLOC_COPY_NO_LIBCALL walloc_vec v16_load(const void *p)
{
    walloc_vec v;
    v.lo = *(const walloc_u64u *)p;
    v.hi = *(const walloc_u64u *)((const char *)p + 8);
    return v;
}
static inline WALLOC_COPY_NO_LIBCALL void v16_store(void *p, walloc_vec v)
{
    *(walloc_u64u *)p = v.lo;
    *(walloc_u64u *)((char *)p + 8) = v.hi;
}
#define VEC_LOADU(p) v16_load(p)
#define VEC_STOREU(p, v) v16_store((p), (v))
#endif

/* Large copies: memory.copy (handles overlap itself). Kept apart from the NO_LIBCALL functions
 * so nothing can stop clang from lowering them to the instruction. */
static void *wasm_bulk_copy(void *dst, const void *src, size_t n)
{
    return __builtin_memmove(dst, src, n);
}

#include "copy_moves.h"

/* 0..128 bytes, overlap-safe. */
WALLOC_COPY_INLINE void
copy_small(char *d, const char *s, size_t n)
{
    if (n <= 64) {
        if (n <= 16)
            walloc_copy_upto16(d, s, n);
        else if (n <= 32)
            copy_2vec(d, s, n);
        else
            copy_4vec(d, s, n);
    } else {
        copy_8vec(d, s, n);
    }
}

/* Sizes between the inline moves and memory.copy: a 16-byte loop, head and tail loaded first.
 * Forward is safe for dst < src, backward for dst > src (loads stay ahead of stores). */
static WALLOC_COPY_NO_LIBCALL void wasm_mid_fwd(char *d, const char *s, size_t n)
{
    walloc_vec head = VEC_LOADU(s), tail = VEC_LOADU(s + n - 16);
    for (size_t i = 16; i < n - 16; i += 16)
        VEC_STOREU(d + i, VEC_LOADU(s + i));
    VEC_STOREU(d, head);
    VEC_STOREU(d + n - 16, tail);
}

static WALLOC_COPY_NO_LIBCALL void wasm_mid_bwd(char *d, const char *s, size_t n)
{
    walloc_vec head = VEC_LOADU(s), tail = VEC_LOADU(s + n - 16);
    for (size_t i = n - 16; i > 16; i -= 16)
        VEC_STOREU(d + i - 16, VEC_LOADU(s + i - 16));
    VEC_STOREU(d, head);
    VEC_STOREU(d + n - 16, tail);
}

WALLOC_COPY_NO_LIBCALL void *walloc_memmove(void *dst, const void *src, size_t n)
{
    if (n >= WALLOC_WASM_MEMORY_COPY_MIN)
        return wasm_bulk_copy(dst, src, n);
    if (n <= 128)
        copy_small((char *)dst, (const char *)src, n);
    else if ((uintptr_t)dst - (uintptr_t)src >= n) /* dst below src, or disjoint */
        wasm_mid_fwd((char *)dst, (const char *)src, n);
    else
        wasm_mid_bwd((char *)dst, (const char *)src, n);
    return dst;
}

/* One routine for both: memcpy's copies are memmove's, which adds one compare between 129 B and
 * the memory.copy threshold, and the module keeps a single copy of the inline moves (~400
 * bytes of walloc.wasm). */
void *walloc_memcpy(void *dst, const void *src, size_t n) __attribute__((alias("walloc_memmove")));
