/*
 * copy_libc.c - walloc_memcpy / walloc_memmove where this project has no kernel of its own
 * (64-bit ARM): the C library's memmove. glibc's aarch64 memmove is already chosen per core at
 * load time (ifunc); a NEON kernel could only earn its place against it on real hardware, and
 * the aarch64 build is tested here under emulation, which proves correctness, never speed.
 */
#include "walloc.h"

#include <string.h>

void *walloc_memmove(void *dst, const void *src, size_t n)
{
    return n == 0 ? dst : memmove(dst, src, n); /* memmove(NULL, NULL, 0) is undefined in C */
}

void *walloc_memcpy(void *dst, const void *src, size_t n)
{
    return walloc_memmove(dst, src, n);
}
