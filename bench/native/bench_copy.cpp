// Copy benchmarks: walloc_memcpy against glibc memcpy, in the same process.
//
//   copy/<who>/<bytes>            src and dst page-aligned ((dst - src) mod 4096 = 0), separate
//                                 buffers; 6 B .. 64 MiB
//   copy_16k_offset/<who>/<off>   16 KiB copies with (dst - src) mod 4096 = off: glibc switches to
//                                 rep movsb from 4 KiB, which is many times slower when off is 1..31
// <who> is walloc or glibc. Both functions are called through volatile function pointers, so
// neither is inlined or specialised for a constant size and both pay the same call cost.
// Buffers are allocated and touched once, before any timing, and reused by every benchmark.
// Small copies repeat on the same (cached) bytes: this is the latency/throughput of back-to-back
// calls; 1 MiB fits in L2+L3, 64 MiB does not (memory bandwidth).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "copy_plan.h"
#include "walloc.h"

namespace {

using copy_fn = void *(*)(void *, const void *, size_t);
copy_fn volatile g_glibc_memcpy = &memcpy;
copy_fn volatile g_walloc_memcpy = &walloc_memcpy;

constexpr size_t kMaxCopy = 64ull << 20;
constexpr size_t kSlack = 8192;
unsigned char *g_src = nullptr;  // page-aligned, kMaxCopy + kSlack bytes
unsigned char *g_dst = nullptr;  // page-aligned, kMaxCopy + kSlack bytes

const size_t kSizes[] = {6,    8,    13,    14,    19,      27,      32,      64,      100,
                         256,  1024, 4096,  16384, 65536, 1u << 20, 64u << 20};
const size_t kOffsets[] = {0, 1, 2, 4, 8, 16, 31, 32, 64};

void BM_copy(benchmark::State &st, copy_fn volatile *fnp, size_t n, size_t dst_off) {
    copy_fn fn = *fnp;
    unsigned char *dst = g_dst + dst_off;
    const unsigned char *src = g_src;
    // Warm-up: caches, TLB, and the copy's own dispatch.
    fn(dst, src, n);
    if (std::memcmp(dst, src, n) != 0) {
        st.SkipWithError("copy produced wrong bytes");
        for (auto _ : st) {}
        return;
    }
    for (auto _ : st) {
        benchmark::DoNotOptimize(fn(dst, src, n));
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(n));
}

std::string fmt_bytes(size_t n) {
    if (n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
    if (n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + " B";
}

// What walloc_memcpy runs on this CPU (copy_plan.h), for the report.
std::string describe_plan() {
    const walloc_copy_plan *p = wl_copy_active_plan();
    std::string s = std::string(wl_copy_isa_name(p->isa)) + " kernel; rep movsb ";
    if (p->rep_movsb_min < p->rep_movsb_end)
        s += "from " + fmt_bytes(p->rep_movsb_min) + " to " + fmt_bytes(p->rep_movsb_end - 1);
    else
        s += "never";
    return s + "; non-temporal stores above " + fmt_bytes(p->stream_above);
}

void register_all() {
    for (size_t n : kSizes) {
        const std::string sz = std::to_string(n);
        // The largest copies take milliseconds: give them time for a few dozen iterations.
        const double min_time = n >= (64u << 20) ? 0.5 : 0.0;
        auto *w = benchmark::RegisterBenchmark(("copy/walloc/" + sz).c_str(), BM_copy,
                                               &g_walloc_memcpy, n, size_t{0});
        auto *g = benchmark::RegisterBenchmark(("copy/glibc/" + sz).c_str(), BM_copy,
                                               &g_glibc_memcpy, n, size_t{0});
        for (auto *b : {w, g}) {
            b->UseRealTime();
            if (min_time > 0) b->MinTime(min_time);
        }
    }
    for (size_t off : kOffsets) {
        const std::string o = std::to_string(off);
        benchmark::RegisterBenchmark(("copy_16k_offset/walloc/" + o).c_str(), BM_copy,
                                     &g_walloc_memcpy, size_t{16384}, off)
            ->UseRealTime();
        benchmark::RegisterBenchmark(("copy_16k_offset/glibc/" + o).c_str(), BM_copy,
                                     &g_glibc_memcpy, size_t{16384}, off)
            ->UseRealTime();
    }
}

}  // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    void *s = nullptr, *d = nullptr;
    if (posix_memalign(&s, 4096, kMaxCopy + kSlack) != 0 ||
        posix_memalign(&d, 4096, kMaxCopy + kSlack) != 0) {
        std::fprintf(stderr, "bench_copy: out of memory\n");
        return 1;
    }
    g_src = static_cast<unsigned char *>(s);
    g_dst = static_cast<unsigned char *>(d);
    // Touch every page now (first touch costs microseconds per page in this VM).
    for (size_t i = 0; i < kMaxCopy + kSlack; i++) g_src[i] = static_cast<unsigned char>(i * 131 + 7);
    std::memset(g_dst, 0, kMaxCopy + kSlack);

    benchmark::AddCustomContext("copy_plan", describe_plan());
    register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    free(s);
    free(d);
    return 0;
}
