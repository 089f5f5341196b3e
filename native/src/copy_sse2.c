/*
 * copy_sse2.c - the SSE2 copy kernel: 16-byte moves, the x86-64 baseline (no cpuid needed).
 *
 *   0..16 bytes     two overlapping scalar moves
 *   17..128         2, 4 or 8 overlapping 16-byte moves, all loads before all stores (so
 *                   they serve memmove in both directions)
 *   129..           copy_loops.h: rep movsb, non-temporal or the vector loop, as routed
 */
#include "copy_kernels.h"

#include <emmintrin.h>

typedef __m128i walloc_vec;
#define VEC 16
#define VEC_LOADU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define VEC_STOREU(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define VEC_STOREA(p, v) _mm_store_si128((__m128i *)(void *)(p), (v))
#define VEC_STREAM(p, v) _mm_stream_si128((__m128i *)(void *)(p), (v))
#include "copy_loops.h"
#include "copy_moves.h"

/* n > 64: up to 128 bytes without a loop, overlap-safe; the loop above. */
static __attribute__((noinline)) WALLOC_COPY_NO_LIBCALL void *
sse2_above64(void *dst, const void *src, size_t n, const walloc_copy_plan *plan)
{
    if (n > 128)
        return copy_loop(dst, src, n, plan);
    copy_8vec((char *)dst, (const char *)src, n);
    return dst;
}

WALLOC_COPY_INLINE void *sse2_copy(void *dst, const void *src, size_t n,
                                   const walloc_copy_plan *plan)
{
    char *d = (char *)dst;
    const char *s = (const char *)src;
    if (n > 64)
        return sse2_above64(dst, src, n, plan);
    if (n > 32)
        copy_4vec(d, s, n);
    else if (n > 16)
        copy_2vec(d, s, n);
    else
        walloc_copy_upto16(d, s, n);
    return dst;
}

WALLOC_COPY_NO_LIBCALL void *wl_copy_sse2(void *dst, const void *src, size_t n)
{
    return sse2_copy(dst, src, n, &wl_copy_active);
}

WALLOC_COPY_NO_LIBCALL void *wl_copy_sse2_planned(const walloc_copy_plan *plan, void *dst,
                                                      const void *src, size_t n)
{
    return sse2_copy(dst, src, n, plan);
}
