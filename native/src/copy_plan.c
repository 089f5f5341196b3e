/*
 * copy_plan.c - reads what the CPU reports and decides how copies run on it (copy_plan.h).
 *
 * The rules, and what they rest on:
 *
 * - Vector width. 64-byte moves where the CPU runs them at full clock: AMD's AVX-512 CPUs
 *   (Zen 4 and later split nothing and lower no clock), and Intel CPUs that also report AVX-VNNI
 *   (Sapphire Rapids and later; older Intel parts with AVX-512 lower their clock for 512-bit
 *   instructions). glibc draws the same line (its Prefer_No_AVX512 unless AVX-VNNI) and picks
 *   its 64-byte memmove on exactly these CPUs, so on them the 32-byte kernel was racing a
 *   64-byte one: on the Intel reference, 0.71x at 1 KiB and 0.77x at 100 B.
 * - rep movsb. On AMD (Zen 3 and Zen 4 measured) it is 12-30x slower whenever
 *   (dst - src) mod 4096 is 1..31 (16 KiB in 4.8 us instead of 0.15-0.2 us): never there. Intel
 *   CPUs with ERMS have no such hole (the reference, bench/native/results/intel-xeon-f6-m167.md:
 *   glibc's copies at those offsets are a little slower than at 0, and faster than any vector
 *   loop measured there), and `rep movsb` is their fastest copy from
 *   about 2 KiB up to the non-temporal range (Intel reference at 4 and 16 KiB: 0.80-0.84x for a
 *   32-byte loop). The thresholds are glibc's defaults: 2112 bytes with FSRM, else 2 KiB per
 *   16 bytes of vector width.
 * - Non-temporal stores pay once source and destination no longer fit the cache: measured on
 *   Zen 3 (32 MiB L3), repeated copies fall off a cliff between 8 and 10 MiB, while streaming
 *   runs at a steady rate (64 MiB: 1.5-2.0x glibc, which streams only from 3/4 of the L3 per
 *   thread). A quarter of the L3 is where that cliff starts, and what glibc uses since 2.38.
 */
#include "copy_plan.h"

#include <cpuid.h>
#include <stdint.h>

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

static WALLOC_NO_INSTRUMENT uint64_t xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* Size of the data or unified cache at `level` from the deterministic cache leaf (Intel: 4,
 * AMD: 0x8000001D; same layout), 0 when the leaf has none. */
static WALLOC_NO_INSTRUMENT size_t cache_bytes(unsigned leaf, unsigned level)
{
    for (unsigned sub = 0; sub < 16; sub++) {
        unsigned a, b, c, d;
        __cpuid_count(leaf, sub, a, b, c, d);
        unsigned type = a & 0x1f; /* 0: no more caches, 1: data, 2: instruction, 3: unified */
        if (type == 0)
            break;
        if (type != 2 && ((a >> 5) & 7) == level)
            return (size_t)(((b >> 22) & 0x3ff) + 1) * (((b >> 12) & 0x3ff) + 1) *
                   ((b & 0xfff) + 1) * ((size_t)c + 1);
    }
    return 0;
}

WALLOC_NO_INSTRUMENT void wl_cpu_facts_read(walloc_cpu_facts *out)
{
    unsigned max, b, c, d, a1, b1, c1, d1;
    __cpuid(0, max, b, c, d);
    /* "AuthenticAMD", and Hygon's Zen-derived "HygonGenuine"; "GenuineIntel". */
    out->amd = (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) ||
               (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975);
    out->intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;

    __cpuid(1, a1, b1, c1, d1);
    const bool osxsave = (c1 >> 27) & 1, avx = (c1 >> 28) & 1;
    const uint64_t xcr = osxsave ? xcr0() : 0;
    const bool ymm_saved = (xcr & 0x6) == 0x6;          /* SSE and AVX state */
    const bool zmm_saved = ymm_saved && (xcr & 0xe0) == 0xe0; /* opmask, ZMM_Hi256, Hi16_ZMM */

    unsigned a7 = 0, b7 = 0, c7 = 0, d7 = 0, a71 = 0, b71 = 0, c71 = 0, d71 = 0;
    if (max >= 7) {
        __cpuid_count(7, 0, a7, b7, c7, d7);
        if (a7 >= 1)
            __cpuid_count(7, 1, a71, b71, c71, d71);
    }
    const bool bmi2 = (b7 >> 8) & 1;
    out->avx2 = avx && ymm_saved && ((b7 >> 5) & 1);
    out->avx512 = out->avx2 && zmm_saved && bmi2 && ((b7 >> 16) & 1) /* F */ &&
                  ((b7 >> 30) & 1) /* BW */ && ((b7 >> 31) & 1) /* VL */;
    out->avx_vnni = (a71 >> 4) & 1;
    out->erms = (b7 >> 9) & 1;
    out->fsrm = (d7 >> 4) & 1;

    unsigned ext_max, e1b, e1c, e1d;
    __cpuid(0x80000000, ext_max, e1b, e1c, e1d);
    out->l2_bytes = out->l3_bytes = 0;
    if (out->amd) {
        unsigned ea, eb, ec, ed;
        if (ext_max >= 0x80000001)
            __cpuid(0x80000001, ea, eb, ec, ed);
        else
            ec = 0;
        if (ext_max >= 0x8000001d && ((ec >> 22) & 1) /* TOPOEXT */) {
            out->l2_bytes = cache_bytes(0x8000001d, 2);
            out->l3_bytes = cache_bytes(0x8000001d, 3);
        } else if (ext_max >= 0x80000006) {
            __cpuid(0x80000006, ea, eb, ec, ed);
            out->l2_bytes = (size_t)(ec >> 16) * KIB;
            out->l3_bytes = (size_t)(ed >> 18) * 512 * KIB;
        }
    } else if (max >= 4) {
        out->l2_bytes = cache_bytes(4, 2);
        out->l3_bytes = cache_bytes(4, 3);
    }
}

WALLOC_NO_INSTRUMENT walloc_copy_plan wl_copy_plan_for(const walloc_cpu_facts *cpu,
                                                           bool sanitized)
{
    walloc_copy_plan plan;
    if (cpu->avx512 && (cpu->amd || cpu->avx_vnni) && !sanitized)
        plan.isa = WALLOC_COPY_ISA_AVX512;
    else if (cpu->avx2)
        plan.isa = WALLOC_COPY_ISA_AVX2;
    else
        plan.isa = WALLOC_COPY_ISA_SSE2;

    size_t stream = cpu->l3_bytes ? cpu->l3_bytes / 4 : cpu->l2_bytes ? cpu->l2_bytes * 4 : 8 * MIB;
    plan.stream_above = stream < MIB ? MIB : stream;

    plan.rep_movsb_min = plan.rep_movsb_end = 0;
    if (cpu->erms && !cpu->amd && !sanitized) {
        const size_t vec = plan.isa == WALLOC_COPY_ISA_AVX512 ? 64
                           : plan.isa == WALLOC_COPY_ISA_AVX2 ? 32
                                                              : 16;
        plan.rep_movsb_min = cpu->fsrm ? 2112 : 2 * KIB * (vec / 16);
        plan.rep_movsb_end = plan.stream_above + 1;
    }
    return plan;
}

const char *wl_copy_isa_name(walloc_copy_isa isa)
{
    switch (isa) {
    case WALLOC_COPY_ISA_AVX512: return "avx512";
    case WALLOC_COPY_ISA_AVX2: return "avx2";
    case WALLOC_COPY_ISA_SSE2: return "sse2";
    }
    return "unknown";
}
