/*
 * copy_avx512.c - the AVX-512 copy kernel: 64-byte moves. Compiled with -mavx512f -mavx512bw
 * -mavx512vl -mbmi2 (native/CMakeLists.txt); copy_dispatch.c binds it only where cpuid says
 * those are usable, and only on CPUs that run 512-bit moves at full clock (copy_plan.c).
 *
 *   0..64 bytes     one masked move: no branch on the size; masked-off bytes are neither read
 *                   nor written and cannot fault
 *   65..512         2, 4 or 8 overlapping 64-byte moves, all loads before all stores (so
 *                   they serve memmove in both directions)
 *   513..           copy_loops.h: rep movsb, non-temporal or the vector loop, as routed
 *
 * This is the shape of glibc's AVX-512 memmove, which glibc picks on the same CPUs.
 */
#include "copy_kernels.h"

#include <immintrin.h>

typedef __m512i walloc_vec;
#define VEC 64
#define VEC_LOADU(p) _mm512_loadu_si512((const void *)(p))
#define VEC_STOREU(p, v) _mm512_storeu_si512((void *)(p), (v))
#define VEC_STOREA(p, v) _mm512_store_si512((void *)(p), (v))
#define VEC_STREAM(p, v) _mm512_stream_si512((void *)(p), (v))
#include "copy_loops.h"
#include "copy_moves.h"

/* n > 256: up to 512 bytes without a loop; the loop above. */
static __attribute__((noinline)) WALLOC_COPY_NO_LIBCALL void *
avx512_above256(void *dst, const void *src, size_t n, const walloc_copy_plan *plan)
{
    if (n > 512)
        return copy_loop(dst, src, n, plan);
    copy_8vec((char *)dst, (const char *)src, n);
    return dst;
}

/* Up to 256 bytes in the entry itself, as glibc's memmove does: at 100 and 256 bytes a tail call
 * more is about a cycle, 5-10 % of the copy. */
WALLOC_COPY_INLINE void *avx512_copy(void *dst, const void *src, size_t n,
                                     const walloc_copy_plan *plan)
{
    char *d = (char *)dst;
    const char *s = (const char *)src;
    if (n <= 64) {
        __mmask64 k = _bzhi_u64(~0ULL, (unsigned)n);
        _mm512_mask_storeu_epi8(d, k, _mm512_maskz_loadu_epi8(k, s));
    } else if (n <= 128) {
        copy_2vec(d, s, n);
    } else if (n <= 256) {
        copy_4vec(d, s, n);
    } else {
        return avx512_above256(dst, src, n, plan);
    }
    return dst;
}

WALLOC_COPY_NO_LIBCALL void *wl_copy_avx512(void *dst, const void *src, size_t n)
{
    return avx512_copy(dst, src, n, &wl_copy_active);
}

WALLOC_COPY_NO_LIBCALL void *wl_copy_avx512_planned(const walloc_copy_plan *plan, void *dst,
                                                        const void *src, size_t n)
{
    return avx512_copy(dst, src, n, plan);
}
