/*
 * copy_avx2.c - walloc_memcpy / walloc_memmove for CPUs with AVX2 (and the small AVX-512 tier
 * at the end). Compiled with -mavx2 (native/CMakeLists.txt); copy.c jumps here only after cpuid
 * said AVX2 (AVX-512) is usable, so nothing here may be reached from code that runs earlier.
 *
 * Shape:
 *   0..16 bytes     two overlapping scalar moves (shared with copy.c)
 *   17..32          two overlapping 16-byte moves
 *   33..256         2, 4 or 8 overlapping 32-byte moves, all loads before all stores (so they
 *                   serve memmove in both directions)
 *   257..           the first 64 and last 32 source bytes are loaded up front and stored last
 *                   (the "head fix-up"), so the main loop starts at the next 64-byte boundary
 *                   of dst: unaligned loads, aligned 32-byte stores, four per iteration (two
 *                   whole cache lines). A vector loop has no trouble with (dst - src) mod 4096
 *                   in 1..31, which is where glibc's rep movsb path collapses. Past
 *                   WALLOC_COPY_PREFETCH_MIN the source is prefetched ahead; past
 *                   WALLOC_COPY_NT_THRESHOLD (disjoint ranges only) stores are non-temporal: a
 *                   destination that large cannot stay in the cache, and streaming it saves the
 *                   read-for-ownership of every line (1.5-1.9x faster than glibc at 64 MiB).
 *                   Head and tail are stored last because memmove's forward case needs it;
 *                   storing them first for disjoint ranges was tried: it avoids a page-split
 *                   tail store stalling the next call's loads (4-8 KiB copies with equally
 *                   misaligned src/dst, ~10 % better there) but made 300-1000 B 15-40 % slower.
 *
 * The compiler inserts vzeroupper before returning, so callers' SSE code pays no transition
 * penalty.
 */
#define WALLOC_COPY_IMPLEMENTATION 1
#include "copy_internal.h"

#if !defined(__wasm__)

#include <immintrin.h>

#ifndef AVX2_PREFETCH_AHEAD
#define AVX2_PREFETCH_AHEAD 512
#endif

#define LOADU(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define STOREU(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define STOREA(p, v) _mm256_store_si256((__m256i *)(void *)(p), (v))
#define STREAM(p, v) _mm256_stream_si256((__m256i *)(void *)(p), (v))

/* 0..64 bytes, overlap-safe: every load happens before the first store. */
static inline __attribute__((always_inline)) WALLOC_COPY_NO_LIBCALL void
avx2_upto64(char *d, const char *s, size_t n)
{
    if (n > 32) {
        __m256i a = LOADU(s), b = LOADU(s + n - 32);
        STOREU(d, a);
        STOREU(d + n - 32, b);
    } else if (n > 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        _mm_storeu_si128((__m128i *)(void *)d, a);
        _mm_storeu_si128((__m128i *)(void *)(d + n - 16), b);
    } else {
        walloc_copy_upto16(d, s, n);
    }
}

/* n > 256. Forward: disjoint ranges or dst < src (loads always run ahead of the stores). */
static WALLOC_COPY_NO_LIBCALL void *avx2_fwd(void *dst, const void *src, size_t n)
{
    char *d = (char *)dst;
    const char *s = (const char *)src;
    const __m256i h0 = LOADU(s), h1 = LOADU(s + 32);
    const __m256i tail = LOADU(s + n - 32);
    size_t skew = 64 - ((uintptr_t)d & 63); /* 1..64 */
    char *dp = d + skew;                     /* 64-aligned */
    const char *sp = s + skew;
    size_t len = n - skew; /* bytes from dp to the end; > 64 */

    if (n >= WALLOC_COPY_NT_THRESHOLD && walloc_copy_disjoint(dst, src, n)) {
        for (; len > 128; len -= 128, dp += 128, sp += 128) {
            _mm_prefetch(sp + AVX2_PREFETCH_AHEAD, _MM_HINT_NTA);
            __m256i a = LOADU(sp), b = LOADU(sp + 32), c = LOADU(sp + 64), e = LOADU(sp + 96);
            STREAM(dp, a);
            STREAM(dp + 32, b);
            STREAM(dp + 64, c);
            STREAM(dp + 96, e);
        }
        _mm_sfence(); /* NT stores are weakly ordered: publish them before returning */
    } else if (n > WALLOC_COPY_PREFETCH_MIN) {
        for (; len > 128; len -= 128, dp += 128, sp += 128) {
            _mm_prefetch(sp + AVX2_PREFETCH_AHEAD, _MM_HINT_T0);
            __m256i a = LOADU(sp), b = LOADU(sp + 32), c = LOADU(sp + 64), e = LOADU(sp + 96);
            STOREA(dp, a);
            STOREA(dp + 32, b);
            STOREA(dp + 64, c);
            STOREA(dp + 96, e);
        }
    } else {
        for (; len > 128; len -= 128, dp += 128, sp += 128) {
            __m256i a = LOADU(sp), b = LOADU(sp + 32), c = LOADU(sp + 64), e = LOADU(sp + 96);
            STOREA(dp, a);
            STOREA(dp + 32, b);
            STOREA(dp + 64, c);
            STOREA(dp + 96, e);
        }
    }
    /* 1..128 bytes left; the tail covers the last 32. */
    if (len > 32) {
        __m256i a = LOADU(sp);
        __m256i b = len > 64 ? LOADU(sp + 32) : a;
        __m256i c = len > 96 ? LOADU(sp + 64) : a;
        STOREA(dp, a);
        if (len > 64)
            STOREA(dp + 32, b);
        if (len > 96)
            STOREA(dp + 64, c);
    }
    STOREU(d, h0);
    STOREU(d + 32, h1);
    STOREU(d + n - 32, tail);
    return dst;
}

/* n > 256. Backward: disjoint ranges or dst > src. Mirror image: last 64 and first 32 bytes
 * up front, loop down from the last 64-byte boundary of dst's end. memmove only: no NT variant. */
static WALLOC_COPY_NO_LIBCALL void *avx2_bwd(void *dst, const void *src, size_t n)
{
    char *d = (char *)dst;
    const char *s = (const char *)src;
    const __m256i t0 = LOADU(s + n - 64), t1 = LOADU(s + n - 32);
    const __m256i head = LOADU(s);
    size_t skew = (((uintptr_t)(d + n) - 1) & 63) + 1; /* 1..64 */
    char *dp = d + n - skew;                           /* 64-aligned */
    const char *sp = s + n - skew;
    size_t len = n - skew; /* bytes from d to dp; > 64 */

    if (n > WALLOC_COPY_PREFETCH_MIN) {
        for (; len > 128; len -= 128, dp -= 128, sp -= 128) {
            _mm_prefetch(sp - AVX2_PREFETCH_AHEAD, _MM_HINT_T0);
            __m256i a = LOADU(sp - 32), b = LOADU(sp - 64);
            __m256i c = LOADU(sp - 96), e = LOADU(sp - 128);
            STOREA(dp - 32, a);
            STOREA(dp - 64, b);
            STOREA(dp - 96, c);
            STOREA(dp - 128, e);
        }
    } else {
        for (; len > 128; len -= 128, dp -= 128, sp -= 128) {
            __m256i a = LOADU(sp - 32), b = LOADU(sp - 64);
            __m256i c = LOADU(sp - 96), e = LOADU(sp - 128);
            STOREA(dp - 32, a);
            STOREA(dp - 64, b);
            STOREA(dp - 96, c);
            STOREA(dp - 128, e);
        }
    }
    if (len > 32) {
        __m256i a = LOADU(sp - 32);
        __m256i b = len > 64 ? LOADU(sp - 64) : a;
        __m256i c = len > 96 ? LOADU(sp - 96) : a;
        STOREA(dp - 32, a);
        if (len > 64)
            STOREA(dp - 64, b);
        if (len > 96)
            STOREA(dp - 96, c);
    }
    STOREU(d, head);
    STOREU(d + n - 64, t0);
    STOREU(d + n - 32, t1);
    return dst;
}

/* 65..256 bytes, overlap-safe. */
static inline __attribute__((always_inline)) WALLOC_COPY_NO_LIBCALL void
avx2_65to256(char *d, const char *s, size_t n)
{
    if (n <= 128) {
        __m256i a = LOADU(s), b = LOADU(s + 32), c = LOADU(s + n - 64), e = LOADU(s + n - 32);
        STOREU(d, a);
        STOREU(d + 32, b);
        STOREU(d + n - 64, c);
        STOREU(d + n - 32, e);
    } else {
        __m256i a = LOADU(s), b = LOADU(s + 32), c = LOADU(s + 64), e = LOADU(s + 96);
        __m256i f = LOADU(s + n - 128), g = LOADU(s + n - 96);
        __m256i h = LOADU(s + n - 64), i = LOADU(s + n - 32);
        STOREU(d, a);
        STOREU(d + 32, b);
        STOREU(d + 64, c);
        STOREU(d + 96, e);
        STOREU(d + n - 128, f);
        STOREU(d + n - 96, g);
        STOREU(d + n - 64, h);
        STOREU(d + n - 32, i);
    }
}

/* n > 64. */
static WALLOC_COPY_NO_LIBCALL void *avx2_copy_large(void *dst, const void *src, size_t n)
{
    if (n > 256)
        return avx2_fwd(dst, src, n);
    avx2_65to256((char *)dst, (const char *)src, n);
    return dst;
}

static WALLOC_COPY_NO_LIBCALL void *avx2_move_large(void *dst, const void *src, size_t n)
{
    if (n > 256) {
        if ((uintptr_t)dst - (uintptr_t)src >= n) /* dst below src, or disjoint */
            return avx2_fwd(dst, src, n);
        return avx2_bwd(dst, src, n);
    }
    avx2_65to256((char *)dst, (const char *)src, n);
    return dst;
}

/* Any n. */
WALLOC_COPY_NO_LIBCALL void *walloc_memcpy_avx2(void *dst, const void *src, size_t n)
{
    if (n > 64)
        return avx2_copy_large(dst, src, n);
    avx2_upto64((char *)dst, (const char *)src, n);
    return dst;
}

WALLOC_COPY_NO_LIBCALL void *walloc_memmove_avx2(void *dst, const void *src, size_t n)
{
    if (n > 64)
        return avx2_move_large(dst, src, n);
    avx2_upto64((char *)dst, (const char *)src, n);
    return dst;
}

/* ---- AVX-512 tier: 0..128 bytes differ ----
 * On AMD Zen 4 (which this project's machines turned out to be: family 25 model 17, AVX-512)
 * glibc picks its AVX-512 memmove, whose two 64-byte moves beat four 32-byte ones at 65-128
 * bytes; up to 64 bytes it uses one masked move, as here (measured 1.9-2.8 ns against the
 * branchy path's 2.7-3.0 at 6-32 bytes; code placement moves both). Loops stay AVX2: from 257
 * bytes the 32-byte loop already matches or beats glibc, and 512-bit stores would slow Intel
 * parts that down-clock for them. Chosen only on AMD CPUs with AVX512F, AVX512BW and BMI2 (see
 * copy.c). Compiled here through target attributes, so no build flag changes. */
#define WALLOC_AVX512 __attribute__((target("avx512f")))
#define WALLOC_AVX512_BW __attribute__((target("avx512f,avx512bw,bmi2")))
#define LOADU64(p) _mm512_loadu_si512((const void *)(p))
#define STOREU64(p, v) _mm512_storeu_si512((void *)(p), (v))

/* 65..256 bytes, overlap-safe: two 64-byte moves up to 128 bytes (measured: 7-10 % faster than
 * four 32-byte ones, the median over runs), eight 32-byte moves above (four 64-byte ones were
 * ~3 % slower there). */
static inline __attribute__((always_inline)) WALLOC_AVX512 WALLOC_COPY_NO_LIBCALL void
avx512_65to256(char *d, const char *s, size_t n)
{
    if (n <= 128) {
        __m512i a = LOADU64(s), b = LOADU64(s + n - 64);
        STOREU64(d, a);
        STOREU64(d + n - 64, b);
    } else {
        avx2_65to256(d, s, n);
    }
}

/* n > 64. */
static WALLOC_AVX512 WALLOC_COPY_NO_LIBCALL void *avx512_copy_large(void *dst, const void *src,
                                                                 size_t n)
{
    if (n > 256)
        return avx2_fwd(dst, src, n);
    avx512_65to256((char *)dst, (const char *)src, n);
    return dst;
}

static WALLOC_AVX512 WALLOC_COPY_NO_LIBCALL void *avx512_move_large(void *dst, const void *src,
                                                                 size_t n)
{
    if (n > 256) {
        if ((uintptr_t)dst - (uintptr_t)src >= n) /* dst below src, or disjoint */
            return avx2_fwd(dst, src, n);
        return avx2_bwd(dst, src, n);
    }
    avx512_65to256((char *)dst, (const char *)src, n);
    return dst;
}

/* 0..64 bytes: one masked 64-byte load and store, no branch on the size (glibc's evex memmove
 * does the same). Masked-off bytes are neither read nor written, and cannot fault. The load
 * precedes the store, so it serves memmove too. */
static inline __attribute__((always_inline)) WALLOC_AVX512_BW WALLOC_COPY_NO_LIBCALL void
avx512_upto64(char *d, const char *s, size_t n)
{
    __mmask64 k = _bzhi_u64(~0ULL, (unsigned)n);
    __m512i v = _mm512_maskz_loadu_epi8(k, s);
    _mm512_mask_storeu_epi8(d, k, v);
}

/* Any n. */
WALLOC_AVX512_BW WALLOC_COPY_NO_LIBCALL void *walloc_memcpy_avx512(void *dst, const void *src,
                                                                   size_t n)
{
    if (n > 64)
        return avx512_copy_large(dst, src, n);
    avx512_upto64((char *)dst, (const char *)src, n);
    return dst;
}

WALLOC_AVX512_BW WALLOC_COPY_NO_LIBCALL void *walloc_memmove_avx512(void *dst, const void *src,
                                                                    size_t n)
{
    if (n > 64)
        return avx512_move_large(dst, src, n);
    avx512_upto64((char *)dst, (const char *)src, n);
    return dst;
}

#else
/* WebAssembly: no AVX2 kernels (copy.c uses memory.copy). Keep the translation unit non-empty. */
typedef int walloc_copy_avx2_unused;
#endif
