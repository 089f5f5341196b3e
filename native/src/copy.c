/*
 * copy.c - walloc_memcpy / walloc_memmove.
 *
 * Why not just call memcpy: glibc's memcpy/memmove use `rep movsb` between its
 * x86_rep_movsb_threshold (2112 bytes on these machines) and 1 MiB, and `rep movsb` is
 * 12-30x slower whenever (dst - src) mod 4096 is 1..31 (16 KiB: 4.6 us instead of 0.15-0.2 us;
 * still 2x slower at 16..31 and 33..~100): the loads keep aliasing the stores still in flight.
 * A plain vector loop does not fall into that hole, and above ~9 MiB non-temporal stores beat
 * glibc's cached loop 1.5-1.9x (glibc's own NT threshold is 240 MiB here). So the whole copy is
 * hand-written, and marked so the compiler cannot turn it back into a memcpy call
 * (WALLOC_COPY_NO_LIBCALL). Never `rep movsb`.
 *
 * Native: walloc_memcpy / walloc_memmove are bound once, from cpuid, to a complete
 * implementation (see "Run-time choice" below): AVX2 (copy_avx2.c, compiled with -mavx2), its
 * AVX-512 variant, or SSE2 (here). The SSE2 one:
 *   0..16 bytes     two overlapping scalar moves of 1/2/4/8 bytes, no loop
 *   17..128 bytes   two, four or eight overlapping 16-byte moves, all loads before all stores
 *   129.. bytes     4x-unrolled 16-byte loop: unaligned loads, aligned stores after a head
 *                   fix-up, source prefetch past 4 KiB, non-temporal stores from
 *                   WALLOC_COPY_NT_THRESHOLD up (disjoint ranges only).
 * The AVX2 one has the same shape with 32-byte moves from 33 bytes (up to 256 without a loop);
 * on AMD CPUs with AVX-512 a third variant uses one masked 64-byte move up to 64 bytes and
 * two 64-byte moves for 65..128.
 * Because the small paths load everything before storing, they are memmove-safe; memmove only
 * adds the direction choice for the loops.
 *
 * WebAssembly (no AVX2 file there): small copies inline (scalar or SIMD128), from
 * WALLOC_WASM_MEMORY_COPY_MIN up __builtin_memcpy/__builtin_memmove, which compile to a single
 * `memory.copy` with -mbulk-memory: V8 runs that 1.4-1.7x faster than any SIMD128 loop from
 * 1 KiB up, but it has a flat 5-8 ns cost that an inline copy beats for small sizes.
 */
#define WALLOC_COPY_IMPLEMENTATION 1
#include "walloc.h"
#include "copy_internal.h"

#include <stdint.h>

#if defined(__wasm__)
/* ------------------------------------------------------------------------------------------ */
/* WebAssembly                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* From this many bytes up, copies are one `memory.copy` (flat 5-8 ns in V8, then faster than
 * SIMD128 from ~1 KiB); below it an inline copy wins. The threshold sweep in bench/wasm scored
 * 256 best and 128 next (129-255 B copies take 1-3 ns more); 128 since 2026-12-07, because the
 * 16-byte loops that 256 needs no longer fit walloc.wasm's 16 KB budget. Keep it >= 1. */
#ifndef WALLOC_WASM_MEMORY_COPY_MIN
#define WALLOC_WASM_MEMORY_COPY_MIN 128
#endif

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
typedef v128_t walloc_v16;
#define V16_LOAD(p) wasm_v128_load(p)
#define V16_STORE(p, v) wasm_v128_store((p), (v))
#else
/* No SIMD128: a 16-byte "vector" is two 8-byte words. */
typedef struct {
    uint64_t lo, hi;
} walloc_v16;
static inline WALLOC_COPY_NO_LIBCALL walloc_v16 v16_load(const void *p)
{
    walloc_v16 v;
    v.lo = *(const walloc_u64u *)p;
    v.hi = *(const walloc_u64u *)((const char *)p + 8);
    return v;
}
static inline WALLOC_COPY_NO_LIBCALL void v16_store(void *p, walloc_v16 v)
{
    *(walloc_u64u *)p = v.lo;
    *(walloc_u64u *)((char *)p + 8) = v.hi;
}
#define V16_LOAD(p) v16_load(p)
#define V16_STORE(p, v) v16_store((p), (v))
#endif

/* Large copies: memory.copy (handles overlap itself). Kept apart from the NO_LIBCALL functions
 * so nothing can stop clang from lowering them to the instruction. */
static void *wasm_bulk_copy(void *dst, const void *src, size_t n)
{
    return __builtin_memmove(dst, src, n);
}

#else /* native */
/* ------------------------------------------------------------------------------------------ */
/* Native x86-64                                                                               */
/* ------------------------------------------------------------------------------------------ */

#include <emmintrin.h>
#include <stdatomic.h>

typedef __m128i walloc_v16;
#define V16_LOAD(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define V16_STORE(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

#endif

/* 0..64 bytes, overlap-safe: every load happens before the first store. */
static inline __attribute__((always_inline)) WALLOC_COPY_NO_LIBCALL void
copy_upto64(char *d, const char *s, size_t n)
{
    if (n <= 16) {
        walloc_copy_upto16(d, s, n);
    } else if (n <= 32) {
        walloc_v16 a = V16_LOAD(s), b = V16_LOAD(s + n - 16);
        V16_STORE(d, a);
        V16_STORE(d + n - 16, b);
    } else {
        walloc_v16 a = V16_LOAD(s), b = V16_LOAD(s + 16);
        walloc_v16 c = V16_LOAD(s + n - 32), e = V16_LOAD(s + n - 16);
        V16_STORE(d, a);
        V16_STORE(d + 16, b);
        V16_STORE(d + n - 32, c);
        V16_STORE(d + n - 16, e);
    }
}

/* 65..128 bytes, overlap-safe likewise. */
static inline __attribute__((always_inline)) WALLOC_COPY_NO_LIBCALL void
copy_65to128(char *d, const char *s, size_t n)
{
    walloc_v16 a = V16_LOAD(s), b = V16_LOAD(s + 16);
    walloc_v16 c = V16_LOAD(s + 32), e = V16_LOAD(s + 48);
    walloc_v16 f = V16_LOAD(s + n - 64), g = V16_LOAD(s + n - 48);
    walloc_v16 h = V16_LOAD(s + n - 32), i = V16_LOAD(s + n - 16);
    V16_STORE(d, a);
    V16_STORE(d + 16, b);
    V16_STORE(d + 32, c);
    V16_STORE(d + 48, e);
    V16_STORE(d + n - 64, f);
    V16_STORE(d + n - 48, g);
    V16_STORE(d + n - 32, h);
    V16_STORE(d + n - 16, i);
}

#if defined(__wasm__)
/* 0..128 bytes, overlap-safe. */
static inline __attribute__((always_inline)) WALLOC_COPY_NO_LIBCALL void
copy_small(char *d, const char *s, size_t n)
{
    if (n <= 64)
        copy_upto64(d, s, n);
    else
        copy_65to128(d, s, n);
}
#endif

#if defined(__wasm__)

/* Sizes between the inline moves and memory.copy: a 16-byte loop, head and tail loaded first.
 * Forward is safe for dst < src, backward for dst > src (loads stay ahead of stores). */
static WALLOC_COPY_NO_LIBCALL void wasm_mid_fwd(char *d, const char *s, size_t n)
{
    walloc_v16 head = V16_LOAD(s), tail = V16_LOAD(s + n - 16);
    for (size_t i = 16; i < n - 16; i += 16)
        V16_STORE(d + i, V16_LOAD(s + i));
    V16_STORE(d, head);
    V16_STORE(d + n - 16, tail);
}

static WALLOC_COPY_NO_LIBCALL void wasm_mid_bwd(char *d, const char *s, size_t n)
{
    walloc_v16 head = V16_LOAD(s), tail = V16_LOAD(s + n - 16);
    for (size_t i = n - 16; i > 16; i -= 16)
        V16_STORE(d + i - 16, V16_LOAD(s + i - 16));
    V16_STORE(d, head);
    V16_STORE(d + n - 16, tail);
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

int walloc_copy_active_isa(void)
{
    return WALLOC_COPY_ISA_AUTO;
}

#else /* native */

/* ---- SSE2 (x86-64 baseline). Same shape as the AVX2 code in copy_avx2.c. ---- */

#define SSE2_PREFETCH_AHEAD 512

/* n > 128. Forward: disjoint ranges or dst < src. The first 64 and last 16 bytes are loaded up front and
 * stored last, so the loop can start at the next 64-byte boundary of dst (aligned stores, whole
 * cache lines per iteration) and the remainder can overshoot into the tail's bytes. */
static WALLOC_COPY_NO_LIBCALL void *sse2_fwd(void *dst, const void *src, size_t n)
{
    char *d = (char *)dst;
    const char *s = (const char *)src;
    const __m128i h0 = V16_LOAD(s), h1 = V16_LOAD(s + 16);
    const __m128i h2 = V16_LOAD(s + 32), h3 = V16_LOAD(s + 48);
    const __m128i tail = V16_LOAD(s + n - 16);
    size_t skew = 64 - ((uintptr_t)d & 63); /* 1..64 */
    char *dp = d + skew;
    const char *sp = s + skew;
    size_t len = n - skew; /* bytes from dp to the end; > 64 */

    if (n >= WALLOC_COPY_NT_THRESHOLD && walloc_copy_disjoint(dst, src, n)) {
        /* Non-temporal: the destination cannot stay cached anyway; skip its read-for-ownership
         * and leave the cache to the source. */
        for (; len > 64; len -= 64, dp += 64, sp += 64) {
            _mm_prefetch(sp + SSE2_PREFETCH_AHEAD, _MM_HINT_NTA);
            __m128i a = V16_LOAD(sp), b = V16_LOAD(sp + 16);
            __m128i c = V16_LOAD(sp + 32), e = V16_LOAD(sp + 48);
            _mm_stream_si128((__m128i *)(void *)dp, a);
            _mm_stream_si128((__m128i *)(void *)(dp + 16), b);
            _mm_stream_si128((__m128i *)(void *)(dp + 32), c);
            _mm_stream_si128((__m128i *)(void *)(dp + 48), e);
        }
        _mm_sfence(); /* NT stores are weakly ordered: publish them before returning */
    } else if (n > WALLOC_COPY_PREFETCH_MIN) {
        for (; len > 64; len -= 64, dp += 64, sp += 64) {
            _mm_prefetch(sp + SSE2_PREFETCH_AHEAD, _MM_HINT_T0);
            __m128i a = V16_LOAD(sp), b = V16_LOAD(sp + 16);
            __m128i c = V16_LOAD(sp + 32), e = V16_LOAD(sp + 48);
            _mm_store_si128((__m128i *)(void *)dp, a);
            _mm_store_si128((__m128i *)(void *)(dp + 16), b);
            _mm_store_si128((__m128i *)(void *)(dp + 32), c);
            _mm_store_si128((__m128i *)(void *)(dp + 48), e);
        }
    } else {
        for (; len > 64; len -= 64, dp += 64, sp += 64) {
            __m128i a = V16_LOAD(sp), b = V16_LOAD(sp + 16);
            __m128i c = V16_LOAD(sp + 32), e = V16_LOAD(sp + 48);
            _mm_store_si128((__m128i *)(void *)dp, a);
            _mm_store_si128((__m128i *)(void *)(dp + 16), b);
            _mm_store_si128((__m128i *)(void *)(dp + 32), c);
            _mm_store_si128((__m128i *)(void *)(dp + 48), e);
        }
    }
    /* 1..64 bytes left; the tail covers the last 16. */
    if (len > 16) {
        __m128i a = V16_LOAD(sp);
        __m128i b = len > 32 ? V16_LOAD(sp + 16) : a;
        __m128i c = len > 48 ? V16_LOAD(sp + 32) : a;
        _mm_store_si128((__m128i *)(void *)dp, a);
        if (len > 32)
            _mm_store_si128((__m128i *)(void *)(dp + 16), b);
        if (len > 48)
            _mm_store_si128((__m128i *)(void *)(dp + 32), c);
    }
    V16_STORE(d, h0);
    V16_STORE(d + 16, h1);
    V16_STORE(d + 32, h2);
    V16_STORE(d + 48, h3);
    V16_STORE(d + n - 16, tail);
    return dst;
}

/* n > 128. Backward: disjoint ranges or dst > src. Mirror image of the forward kernel: the last 64 and
 * first 16 bytes are loaded up front, the loop runs down from the last 64-byte boundary of
 * dst's end. Used by memmove only, so no non-temporal variant. */
static WALLOC_COPY_NO_LIBCALL void *sse2_bwd(void *dst, const void *src, size_t n)
{
    char *d = (char *)dst;
    const char *s = (const char *)src;
    const __m128i t0 = V16_LOAD(s + n - 64), t1 = V16_LOAD(s + n - 48);
    const __m128i t2 = V16_LOAD(s + n - 32), t3 = V16_LOAD(s + n - 16);
    const __m128i head = V16_LOAD(s);
    size_t skew = (((uintptr_t)(d + n) - 1) & 63) + 1; /* 1..64 */
    char *dp = d + n - skew;                           /* 64-aligned */
    const char *sp = s + n - skew;
    size_t len = n - skew; /* bytes from d to dp; > 64 */

    if (n > WALLOC_COPY_PREFETCH_MIN) {
        for (; len > 64; len -= 64, dp -= 64, sp -= 64) {
            _mm_prefetch(sp - SSE2_PREFETCH_AHEAD, _MM_HINT_T0);
            __m128i a = V16_LOAD(sp - 16), b = V16_LOAD(sp - 32);
            __m128i c = V16_LOAD(sp - 48), e = V16_LOAD(sp - 64);
            _mm_store_si128((__m128i *)(void *)(dp - 16), a);
            _mm_store_si128((__m128i *)(void *)(dp - 32), b);
            _mm_store_si128((__m128i *)(void *)(dp - 48), c);
            _mm_store_si128((__m128i *)(void *)(dp - 64), e);
        }
    } else {
        for (; len > 64; len -= 64, dp -= 64, sp -= 64) {
            __m128i a = V16_LOAD(sp - 16), b = V16_LOAD(sp - 32);
            __m128i c = V16_LOAD(sp - 48), e = V16_LOAD(sp - 64);
            _mm_store_si128((__m128i *)(void *)(dp - 16), a);
            _mm_store_si128((__m128i *)(void *)(dp - 32), b);
            _mm_store_si128((__m128i *)(void *)(dp - 48), c);
            _mm_store_si128((__m128i *)(void *)(dp - 64), e);
        }
    }
    if (len > 16) {
        __m128i a = V16_LOAD(sp - 16);
        __m128i b = len > 32 ? V16_LOAD(sp - 32) : a;
        __m128i c = len > 48 ? V16_LOAD(sp - 48) : a;
        _mm_store_si128((__m128i *)(void *)(dp - 16), a);
        if (len > 32)
            _mm_store_si128((__m128i *)(void *)(dp - 32), b);
        if (len > 48)
            _mm_store_si128((__m128i *)(void *)(dp - 48), c);
    }
    V16_STORE(d, head);
    V16_STORE(d + n - 64, t0);
    V16_STORE(d + n - 48, t1);
    V16_STORE(d + n - 32, t2);
    V16_STORE(d + n - 16, t3);
    return dst;
}

/* n > 64. */
static WALLOC_COPY_NO_LIBCALL void *sse2_copy_large(void *dst, const void *src, size_t n)
{
    if (n > 128)
        return sse2_fwd(dst, src, n);
    copy_65to128((char *)dst, (const char *)src, n);
    return dst;
}

static WALLOC_COPY_NO_LIBCALL void *sse2_move_large(void *dst, const void *src, size_t n)
{
    if (n > 128) {
        if ((uintptr_t)dst - (uintptr_t)src >= n) /* dst below src, or disjoint */
            return sse2_fwd(dst, src, n);
        return sse2_bwd(dst, src, n);
    }
    copy_65to128((char *)dst, (const char *)src, n);
    return dst;
}

/* Any n. */
WALLOC_COPY_NO_LIBCALL void *walloc_memcpy_sse2(void *dst, const void *src, size_t n)
{
    if (n > 64)
        return sse2_copy_large(dst, src, n);
    copy_upto64((char *)dst, (const char *)src, n);
    return dst;
}

WALLOC_COPY_NO_LIBCALL void *walloc_memmove_sse2(void *dst, const void *src, size_t n)
{
    if (n > 64)
        return sse2_move_large(dst, src, n);
    copy_upto64((char *)dst, (const char *)src, n);
    return dst;
}

/* ---- Run-time choice ----
 * walloc_memcpy and walloc_memmove are GNU indirect functions where the toolchain has them
 * (Linux with glibc): the loader asks choose_copy / choose_move once which complete
 * implementation to bind, so a call lands straight in it, as a call to glibc's memcpy does.
 * A previous version copied up to 64 bytes inline and jumped through a pointer above; that
 * second dispatch cost about a cycle, enough to lose to glibc at 64 and 100 bytes.
 * Elsewhere the functions forward through the same choice, made on first use. */

typedef void *(*walloc_copy_fn)(void *, const void *, size_t);

typedef struct walloc_copy_impl {
    walloc_copy_fn copy;
    walloc_copy_fn move;
    int isa;
} walloc_copy_impl;

static const walloc_copy_impl impl_sse2 = {walloc_memcpy_sse2, walloc_memmove_sse2,
                                           WALLOC_COPY_ISA_SSE2};
static const walloc_copy_impl impl_avx2 = {walloc_memcpy_avx2, walloc_memmove_avx2,
                                           WALLOC_COPY_ISA_AVX2};
static const walloc_copy_impl impl_avx512 = {walloc_memcpy_avx512, walloc_memmove_avx512,
                                             WALLOC_COPY_ISA_AVX512};

/* Runs inside ifunc resolvers, before sanitizer runtimes and thread-local storage exist: no
 * instrumentation of any kind (clang's no_sanitize("thread") alone still emits TSan's function
 * entry hook; libFuzzer's coverage hooks use thread-local storage). libgcc's checks include
 * the OS support bits (XGETBV), not just the cpuid flags; __builtin_cpu_init must come first
 * in a resolver. 64-byte moves only on AMD (Zen 4 and later run them at full speed; several
 * Intel generations lower their clock for 512-bit instructions). */
#if defined(__clang__)
#define WALLOC_NO_INSTRUMENT                                                                      \
    __attribute__((disable_sanitizer_instrumentation,                                             \
                   no_sanitize("address", "thread", "undefined", "coverage")))
#else
#define WALLOC_NO_INSTRUMENT __attribute__((no_sanitize("address", "thread", "undefined")))
#endif

/* GCC's AddressSanitizer and ThreadSanitizer do not see masked loads and stores: the AVX-512
 * kernel would hide every copy of up to 64 bytes from them. Sanitizer builds use AVX2. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WALLOC_COPY_MASKED_OK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WALLOC_COPY_MASKED_OK 0
#endif
#endif
#ifndef WALLOC_COPY_MASKED_OK
#define WALLOC_COPY_MASKED_OK 1
#endif

static WALLOC_NO_INSTRUMENT const walloc_copy_impl *best_impl(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2"))
        return &impl_sse2;
    if (WALLOC_COPY_MASKED_OK && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi2") &&
        __builtin_cpu_is("amd"))
        return &impl_avx512;
    return &impl_avx2;
}

int walloc_copy_active_isa(void)
{
    return best_impl()->isa;
}

#if defined(__linux__) && defined(__GLIBC__) && !defined(WALLOC_COPY_NO_IFUNC)
static WALLOC_NO_INSTRUMENT __attribute__((used)) walloc_copy_fn choose_copy(void)
{
    return best_impl()->copy;
}

static WALLOC_NO_INSTRUMENT __attribute__((used)) walloc_copy_fn choose_move(void)
{
    return best_impl()->move;
}

void *walloc_memcpy(void *dst, const void *src, size_t n) __attribute__((ifunc("choose_copy")));
void *walloc_memmove(void *dst, const void *src, size_t n) __attribute__((ifunc("choose_move")));
#else
/* Relaxed is enough: every value ever stored is the same complete, correct implementation. */
static _Atomic(const walloc_copy_impl *) chosen;

static const walloc_copy_impl *chosen_impl(void)
{
    const walloc_copy_impl *impl = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (impl == NULL)
        atomic_store_explicit(&chosen, impl = best_impl(), memory_order_relaxed);
    return impl;
}

void *walloc_memcpy(void *dst, const void *src, size_t n)
{
    return chosen_impl()->copy(dst, src, n);
}

void *walloc_memmove(void *dst, const void *src, size_t n)
{
    return chosen_impl()->move(dst, src, n);
}
#endif

#endif /* native */
