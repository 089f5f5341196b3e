/*
 * copy_plan.h - which copy kernel runs on this CPU, decided once from what cpuid reports.
 *
 * Native x86-64 only (WebAssembly has one copy, copy_wasm.c). The decision is split in two so
 * that the policy can be tested for CPUs this machine is not:
 *
 *   wl_cpu_facts_read   reads the facts (cpuid, xgetbv): vendor, instruction sets the CPU
 *                           and the OS support, rep movsb features, cache sizes
 *   wl_copy_plan_for    a pure function of the facts: the kernel's vector width, the range
 *                           where `rep movsb` runs, the non-temporal threshold
 *
 * copy_dispatch.c binds walloc_memcpy / walloc_memmove to the plan for this CPU before the first
 * copy (an ifunc resolver on glibc, the first call elsewhere); wl_copy_active_plan says what
 * it chose. Tests and benchmarks include this header; it is not public API.
 */
#ifndef WALLOC_COPY_PLAN_H
#define WALLOC_COPY_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kernels (vector widths). */
typedef enum walloc_copy_isa {
    WALLOC_COPY_ISA_SSE2 = 1, /* 16-byte moves: the x86-64 baseline */
    WALLOC_COPY_ISA_AVX2 = 2, /* 32-byte moves */
    WALLOC_COPY_ISA_AVX512 = 3 /* 64-byte moves, masked moves up to 64 bytes */
} walloc_copy_isa;

/* What the CPU reports (and the OS enables), as far as copies care. */
typedef struct walloc_cpu_facts {
    bool amd, intel;         /* vendor string */
    bool avx2;               /* AVX2, with the OS saving ymm state */
    bool avx512;             /* AVX512F+BW+VL and BMI2, with the OS saving zmm and mask state */
    bool avx_vnni;           /* cpuid 7.1 EAX bit 4: Intel parts that do not lower their clock for
                                512-bit moves (Sapphire Rapids, Alder Lake and later) */
    bool erms, fsrm;         /* enhanced / fast short rep movsb */
    size_t l2_bytes;         /* per-core L2, 0 when not reported */
    size_t l3_bytes;         /* L3 as the cache this core sees (one instance), 0 when none */
} walloc_cpu_facts;

/* What a copy of n bytes does beyond the sizes each kernel copies without a loop
 * (SSE2 128 B, AVX2 256 B, AVX-512 512 B). Ranges overlap only in order of precedence:
 * overlapping ranges always take the vector loop in the safe direction; then rep movsb;
 * then non-temporal stores; then the vector loop. */
typedef struct walloc_copy_plan {
    walloc_copy_isa isa;
    size_t rep_movsb_min;   /* disjoint copies with rep_movsb_min <= n < rep_movsb_end use */
    size_t rep_movsb_end;   /*   rep movsb; min == end: never (the AMD aliasing hole) */
    size_t stream_above;    /* disjoint copies of more than this use non-temporal stores */
} walloc_copy_plan;

/* Code that runs inside ifunc resolvers, before sanitizer runtimes and thread-local storage
 * exist: no instrumentation of any kind (clang's no_sanitize("thread") alone still emits TSan's
 * function entry hook; libFuzzer's coverage hooks use thread-local storage), and no calls
 * into other shared objects. */
#if defined(__clang__)
#define WALLOC_NO_INSTRUMENT                                                                      \
    __attribute__((disable_sanitizer_instrumentation,                                             \
                   no_sanitize("address", "thread", "undefined", "coverage")))
#else
#define WALLOC_NO_INSTRUMENT __attribute__((no_sanitize("address", "thread", "undefined")))
#endif

/* Reads the facts of the CPU this runs on (WALLOC_NO_INSTRUMENT). */
void wl_cpu_facts_read(walloc_cpu_facts *out);

/* The plan for a CPU with these facts. sanitized: the build runs under AddressSanitizer or
 * ThreadSanitizer, which see neither masked moves nor rep movsb in inline assembly; such builds
 * get the AVX2 (or SSE2) kernel and never rep movsb, so every byte a copy touches is checked.
 * Rules (why: see copy_plan.c):
 *   isa            AVX-512 on AMD and on Intel CPUs with AVX-VNNI; AVX2; SSE2
 *   rep movsb      never on AMD (4 KiB-aliasing hole); with ERMS elsewhere from 2112 bytes with
 *                  FSRM, else from 2 KiB times the vector width in 16-byte units, up to the
 *                  non-temporal threshold
 *   stream_above   a quarter of the L3 (of the L2 times 4 without an L3; 8 MiB if neither is
 *                  reported), at least 1 MiB */
walloc_copy_plan wl_copy_plan_for(const walloc_cpu_facts *cpu, bool sanitized);

/* The plan walloc_memcpy / walloc_memmove follow in this process (complete before their first
 * call returns; constant afterwards). */
const walloc_copy_plan *wl_copy_active_plan(void);

/* Short name of a kernel: "sse2", "avx2", "avx512". */
const char *wl_copy_isa_name(walloc_copy_isa isa);

#ifdef __cplusplus
}
#endif

#endif /* WALLOC_COPY_PLAN_H */
