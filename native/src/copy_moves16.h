/*
 * copy_moves16.h - copies of up to 128 bytes in 16-byte moves, overlap-safe (every load happens
 * before the first store), shared by the SSE2 kernel (copy_sse2.c) and WebAssembly
 * (copy_wasm.c). The including file defines walloc_v16, V16_LOAD(p) and V16_STORE(p, v).
 */
#ifndef WALLOC_COPY_MOVES16_H
#define WALLOC_COPY_MOVES16_H

#include "copy_kernels.h"

/* 0..64 bytes, overlap-safe: every load happens before the first store. */
WALLOC_COPY_INLINE void
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
WALLOC_COPY_INLINE void
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

#endif /* WALLOC_COPY_MOVES16_H */
