/*
 * copy_moves.h - copies of 1 to 8 vectors without a loop, for one vector width: the first and
 * the last 1, 2 or 4 vectors of the range, overlapping in the middle. Every load happens before
 * the first store, so each serves memmove in both directions.
 *
 * Included by each copy (copy_sse2.c, copy_avx2.c, copy_avx512.c, copy_wasm.c) after it defines
 * walloc_vec, VEC (its width in bytes), VEC_LOADU(p) and VEC_STOREU(p, v); gives
 *   copy_2vec   VEC < n <= 2 VEC
 *   copy_4vec   2 VEC < n <= 4 VEC
 *   copy_8vec   4 VEC < n <= 8 VEC
 */
#ifndef VEC
#error "define the vector before including copy_moves.h"
#endif

WALLOC_COPY_INLINE void copy_2vec(char *d, const char *s, size_t n)
{
    walloc_vec a = VEC_LOADU(s), b = VEC_LOADU(s + n - VEC);
    VEC_STOREU(d, a);
    VEC_STOREU(d + n - VEC, b);
}

WALLOC_COPY_INLINE void copy_4vec(char *d, const char *s, size_t n)
{
    walloc_vec a = VEC_LOADU(s), b = VEC_LOADU(s + VEC);
    walloc_vec c = VEC_LOADU(s + n - 2 * VEC), e = VEC_LOADU(s + n - VEC);
    VEC_STOREU(d, a);
    VEC_STOREU(d + VEC, b);
    VEC_STOREU(d + n - 2 * VEC, c);
    VEC_STOREU(d + n - VEC, e);
}

WALLOC_COPY_INLINE void copy_8vec(char *d, const char *s, size_t n)
{
    walloc_vec a = VEC_LOADU(s), b = VEC_LOADU(s + VEC);
    walloc_vec c = VEC_LOADU(s + 2 * VEC), e = VEC_LOADU(s + 3 * VEC);
    walloc_vec f = VEC_LOADU(s + n - 4 * VEC), g = VEC_LOADU(s + n - 3 * VEC);
    walloc_vec h = VEC_LOADU(s + n - 2 * VEC), i = VEC_LOADU(s + n - VEC);
    VEC_STOREU(d, a);
    VEC_STOREU(d + VEC, b);
    VEC_STOREU(d + 2 * VEC, c);
    VEC_STOREU(d + 3 * VEC, e);
    VEC_STOREU(d + n - 4 * VEC, f);
    VEC_STOREU(d + n - 3 * VEC, g);
    VEC_STOREU(d + n - 2 * VEC, h);
    VEC_STOREU(d + n - VEC, i);
}
