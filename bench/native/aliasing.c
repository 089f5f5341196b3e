/*
 * aliasing.c - how often a copy runs slow because of where its destination lies, beyond the page
 * offset. Copies 1 KiB from one source into 512 destinations at page offset 0, 12 KiB apart,
 * each timed as the fastest of 8 interleaved passes (a burst of load cannot make one address
 * look slow), with glibc memcpy and walloc_memcpy, from sources at page offsets 0x380 (the two
 * ranges share page offsets 0x380-0x3ff: 4 KiB aliasing) and 0x800 (they share none).
 *
 * Not a Google Benchmark: it reports a distribution over addresses, not one figure. Built with
 * the benchmarks (bench/native/CMakeLists.txt); run build-bench/bench/native/copy_aliasing.
 * Why it exists: bench/java's WriteBench saw forks of the same benchmark split into a fast and a
 * slow group for a 1 KiB write (bench/java/RESULTS.md); this shows the cause outside the JVM.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "walloc.h"

#define DESTS 512
#define STRIDE (3 * 4096)
#define SIZE 1024
#define PASSES 8
#define COPIES 20000

typedef void *(*copy_fn)(void *, const void *, size_t);

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run(const char *name, copy_fn copy, char *dests, const char *src, unsigned src_page_offset)
{
    static double best[DESTS];
    size_t n = SIZE;
    for (int k = 0; k < DESTS; k++)
        best[k] = 1e18;
    for (int pass = 0; pass < PASSES; pass++) {
        for (int i = 0; i < DESTS; i++) {
            int k = (i * 197 + pass * 31) % DESTS; /* a different order each pass */
            char *d = dests + (size_t)k * STRIDE;
            double t = now_ns();
            for (int c = 0; c < COPIES; c++) {
                copy(d, src, n);
                __asm__ volatile("" ::: "memory");
            }
            double per = (now_ns() - t) / COPIES;
            if (per < best[k])
                best[k] = per;
        }
    }
    qsort(best, DESTS, sizeof best[0], by_value);
    double median = best[DESTS / 2];
    int slow = 0;
    for (int k = 0; k < DESTS; k++)
        slow += best[k] > median * 1.25;
    printf("| %s | 0x%03x | %.2f | %.2f | %.2f | %d of %d |\n", name, src_page_offset, best[0], median,
           best[DESTS - 1], slow, DESTS);
}

int main(void)
{
    char *dests = mmap(NULL, (size_t)DESTS * STRIDE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *srcs = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (dests == MAP_FAILED || srcs == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(dests, 0, (size_t)DESTS * STRIDE);
    memset(srcs, 1, 1 << 20);
    volatile copy_fn glibc = memcpy; /* called, not inlined: the size is not a constant either */
    printf("| copy | source page offset | fastest ns | median ns | slowest ns | destinations > 1.25x median |\n");
    printf("|---|---:|---:|---:|---:|---:|\n");
    const unsigned offsets[] = {0x380, 0x800};
    for (int i = 0; i < 2; i++) {
        run("glibc memcpy", glibc, dests, srcs + 0x40000 + offsets[i], offsets[i]);
        run("walloc_memcpy", walloc_memcpy, dests, srcs + 0x40000 + offsets[i], offsets[i]);
    }
    return 0;
}
