/*
 * copy_avx2.c - the AVX2 copy kernel: 32-byte moves. Compiled with -mavx2
 * (native/CMakeLists.txt); copy_dispatch.c binds it only where cpuid says AVX2 is usable.
 *
 *   0..16 bytes     two overlapping scalar moves
 *   17..32          two overlapping 16-byte moves
 *   33..256         2, 4 or 8 overlapping 32-byte moves, all loads before all stores (so
 *                   they serve memmove in both directions)
 *   257..           copy_loops.h: rep movsb, non-temporal or the vector loop, as routed
 *
 * The compiler inserts vzeroupper before returning, so callers' SSE code pays no transition
 * penalty.
 */
#include "copy_kernels.h"

#include <immintrin.h>

typedef __m256i walloc_vec;
#define VEC 32
#define VEC_LOADU(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define VEC_STOREU(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define VEC_STOREA(p, v) _mm256_store_si256((__m256i *)(void *)(p), (v))
#define VEC_STREAM(p, v) _mm256_stream_si256((__m256i *)(void *)(p), (v))
#include "copy_loops.h"
#include "copy_moves.h"

/* 0..64 bytes. */
WALLOC_COPY_INLINE void avx2_upto64(char *d, const char *s, size_t n)
{
    if (n > 32) {
        copy_2vec(d, s, n);
    } else if (n > 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        _mm_storeu_si128((__m128i *)(void *)d, a);
        _mm_storeu_si128((__m128i *)(void *)(d + n - 16), b);
    } else {
        walloc_copy_upto16(d, s, n);
    }
}

/* n > 64: up to 256 bytes without a loop; the loop above. */
static __attribute__((noinline)) WALLOC_COPY_NO_LIBCALL void *
avx2_above64(void *dst, const void *src, size_t n, const walloc_copy_plan *plan)
{
    if (n > 256)
        return copy_loop(dst, src, n, plan);
    if (n <= 128)
        copy_4vec((char *)dst, (const char *)src, n);
    else
        copy_8vec((char *)dst, (const char *)src, n);
    return dst;
}

WALLOC_COPY_INLINE void *avx2_copy(void *dst, const void *src, size_t n,
                                   const walloc_copy_plan *plan)
{
    if (n > 64)
        return avx2_above64(dst, src, n, plan);
    avx2_upto64((char *)dst, (const char *)src, n);
    return dst;
}

WALLOC_COPY_NO_LIBCALL void *wl_copy_avx2(void *dst, const void *src, size_t n)
{
    return avx2_copy(dst, src, n, &wl_copy_active);
}

WALLOC_COPY_NO_LIBCALL void *wl_copy_avx2_planned(const walloc_copy_plan *plan, void *dst,
                                                      const void *src, size_t n)
{
    return avx2_copy(dst, src, n, plan);
}
