/*
 * copy_loops.h - the loop part of an x86-64 copy kernel, for one vector width.
 *
 * Included once by each kernel file (copy_sse2.c, copy_avx2.c, copy_avx512.c) after it defines:
 *   walloc_vec                  the vector type
 *   VEC                         its width in bytes (16, 32 or 64)
 *   VEC_LOADU(p)                unaligned load
 *   VEC_STOREU(p, v)            unaligned store
 *   VEC_STOREA(p, v)            64-byte-aligned store (of one vector)
 *   VEC_STREAM(p, v)            aligned non-temporal store
 * and gets `copy_loop(dst, src, n, plan)` for n > 8 * VEC (smaller copies never loop): it
 * routes the copy (walloc_copy_route) and runs it.
 *
 * Shape of the loops: the first 64 and last VEC source bytes are loaded up front and stored
 * last ("head and tail"), so the loop itself can start at the next 64-byte boundary of dst
 * (aligned stores, whole cache lines) and its remainder can overshoot into the tail's bytes.
 * Four vectors per iteration, all loads before the stores. Backward is the mirror image. Because
 * every load of a byte happens before any store that could overwrite it, forward is safe for dst
 * below src and backward for dst above, overlapping or not.
 * A tried variant that stored head and tail first for disjoint ranges avoided a page-split tail
 * store stalling the next call's loads (4-8 KiB copies with equally misaligned src/dst, ~10 %
 * better) but made 300-1000 B copies 15-40 % slower.
 */
#ifndef VEC
#error "define the vector before including copy_loops.h"
#endif

#define HEAD_VECS (64 / VEC)

typedef enum { CACHED, PREFETCHED, STREAMED } loop_kind;

/* Forward over [dp, dp + len), dp 64-byte aligned, len > 0; returns the bytes left (1..4 VEC). */
WALLOC_COPY_INLINE size_t fwd_blocks(char *dp, const char *sp, size_t len, loop_kind kind)
{
    for (; len > 4 * VEC; len -= 4 * VEC, dp += 4 * VEC, sp += 4 * VEC) {
        if (kind == PREFETCHED)
            _mm_prefetch(sp + WALLOC_COPY_PREFETCH_AHEAD, _MM_HINT_T0);
        else if (kind == STREAMED)
            _mm_prefetch(sp + WALLOC_COPY_PREFETCH_AHEAD, _MM_HINT_NTA);
        walloc_vec a = VEC_LOADU(sp), b = VEC_LOADU(sp + VEC);
        walloc_vec c = VEC_LOADU(sp + 2 * VEC), e = VEC_LOADU(sp + 3 * VEC);
        if (kind == STREAMED) {
            VEC_STREAM(dp, a);
            VEC_STREAM(dp + VEC, b);
            VEC_STREAM(dp + 2 * VEC, c);
            VEC_STREAM(dp + 3 * VEC, e);
        } else {
            VEC_STOREA(dp, a);
            VEC_STOREA(dp + VEC, b);
            VEC_STOREA(dp + 2 * VEC, c);
            VEC_STOREA(dp + 3 * VEC, e);
        }
    }
    /* 1..4 VEC left; the caller's tail covers the last VEC. */
    if (len > VEC) {
        walloc_vec a = VEC_LOADU(sp);
        walloc_vec b = len > 2 * VEC ? VEC_LOADU(sp + VEC) : a;
        walloc_vec c = len > 3 * VEC ? VEC_LOADU(sp + 2 * VEC) : a;
        VEC_STOREA(dp, a);
        if (len > 2 * VEC)
            VEC_STOREA(dp + VEC, b);
        if (len > 3 * VEC)
            VEC_STOREA(dp + 2 * VEC, c);
    }
    return len;
}

/* n > 8 * VEC, dst below src or disjoint. */
static WALLOC_COPY_NO_LIBCALL void copy_forward(char *d, const char *s, size_t n, loop_kind kind)
{
    walloc_vec head[HEAD_VECS];
    for (int i = 0; i < HEAD_VECS; i++)
        head[i] = VEC_LOADU(s + i * VEC);
    const walloc_vec tail = VEC_LOADU(s + n - VEC);
    const size_t skew = 64 - ((uintptr_t)d & 63); /* 1..64: dst + skew is 64-byte aligned */

    if (kind == STREAMED) {
        fwd_blocks(d + skew, s + skew, n - skew, STREAMED);
        _mm_sfence(); /* non-temporal stores are weakly ordered: publish them before returning */
    } else if (kind == PREFETCHED) {
        fwd_blocks(d + skew, s + skew, n - skew, PREFETCHED);
    } else {
        fwd_blocks(d + skew, s + skew, n - skew, CACHED);
    }
    for (int i = 0; i < HEAD_VECS; i++)
        VEC_STOREU(d + i * VEC, head[i]);
    VEC_STOREU(d + n - VEC, tail);
}

/* Backward over [dp - len, dp), dp 64-byte aligned, len > 0. */
WALLOC_COPY_INLINE void bwd_blocks(char *dp, const char *sp, size_t len, loop_kind kind)
{
    for (; len > 4 * VEC; len -= 4 * VEC, dp -= 4 * VEC, sp -= 4 * VEC) {
        if (kind == PREFETCHED)
            _mm_prefetch(sp - WALLOC_COPY_PREFETCH_AHEAD, _MM_HINT_T0);
        walloc_vec a = VEC_LOADU(sp - VEC), b = VEC_LOADU(sp - 2 * VEC);
        walloc_vec c = VEC_LOADU(sp - 3 * VEC), e = VEC_LOADU(sp - 4 * VEC);
        VEC_STOREA(dp - VEC, a);
        VEC_STOREA(dp - 2 * VEC, b);
        VEC_STOREA(dp - 3 * VEC, c);
        VEC_STOREA(dp - 4 * VEC, e);
    }
    if (len > VEC) {
        walloc_vec a = VEC_LOADU(sp - VEC);
        walloc_vec b = len > 2 * VEC ? VEC_LOADU(sp - 2 * VEC) : a;
        walloc_vec c = len > 3 * VEC ? VEC_LOADU(sp - 3 * VEC) : a;
        VEC_STOREA(dp - VEC, a);
        if (len > 2 * VEC)
            VEC_STOREA(dp - 2 * VEC, b);
        if (len > 3 * VEC)
            VEC_STOREA(dp - 3 * VEC, c);
    }
}

/* n > 8 * VEC, dst above src or disjoint. The last 64 and first VEC bytes are the head and
 * tail here; no non-temporal variant (overlapping copies and the aliasing case only). */
static WALLOC_COPY_NO_LIBCALL void copy_backward(char *d, const char *s, size_t n)
{
    walloc_vec last[HEAD_VECS];
    for (int i = 0; i < HEAD_VECS; i++)
        last[i] = VEC_LOADU(s + n - 64 + i * VEC);
    const walloc_vec first = VEC_LOADU(s);
    const size_t skew = (((uintptr_t)(d + n) - 1) & 63) + 1; /* 1..64: d + n - skew aligned */

    if (n > WALLOC_COPY_PREFETCH_MIN)
        bwd_blocks(d + n - skew, s + n - skew, n - skew, PREFETCHED);
    else
        bwd_blocks(d + n - skew, s + n - skew, n - skew, CACHED);
    VEC_STOREU(d, first);
    for (int i = 0; i < HEAD_VECS; i++)
        VEC_STOREU(d + n - 64 + i * VEC, last[i]);
}

/* n > 8 * VEC: route and copy. */
static __attribute__((noinline)) WALLOC_COPY_NO_LIBCALL void *
copy_loop(void *dst, const void *src, size_t n, const walloc_copy_plan *plan)
{
    char *d = (char *)dst;
    const char *s = (const char *)src;
    switch (walloc_copy_route(dst, src, n, plan)) {
    case WALLOC_COPY_REP_MOVSB:
        walloc_copy_rep_movsb(dst, src, n);
        break;
    case WALLOC_COPY_STREAM:
        copy_forward(d, s, n, STREAMED);
        break;
    case WALLOC_COPY_BACKWARD:
        copy_backward(d, s, n);
        break;
    case WALLOC_COPY_FORWARD:
        copy_forward(d, s, n, n > WALLOC_COPY_PREFETCH_MIN ? PREFETCHED : CACHED);
        break;
    }
    return dst;
}

#undef HEAD_VECS
