// copy_test.cpp - the copy kernels behind walloc_memcpy / walloc_memmove, against the C library.
//
// Every kernel the dispatcher can bind (SSE2, AVX2, AVX-512, where this CPU runs them) is forced
// in turn, each with every route its loop can take: the vector loop (forward or backward, by
// overlap and placement), non-temporal stores, and rep movsb, by handing it a plan that sends
// every copy beyond its no-loop sizes that way. Then the policy (copy_plan.c) is checked for
// CPUs this machine is not, the facts it reads against what Linux reports, and the public
// functions against the plan for this CPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "test_platform.h"
#include "walloc.h"
#if WALLOC_COPY_KERNELS
#include "copy_kernels.h"
#endif

namespace {

constexpr unsigned char kGuard = 0xA5;
constexpr size_t kNever = SIZE_MAX;

void fill_random(unsigned char *p, size_t n, uint64_t seed) {
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = static_cast<unsigned char>(x >> 24);
    }
}

// Index of the first byte in [p, p+n) that is not kGuard, or n.
size_t first_non_guard(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != kGuard) return i;
    return n;
}

// A page-aligned buffer, so "offset k" really means k bytes past a 4 KiB boundary.
struct Buffer {
    explicit Buffer(size_t n) : size(n), data(static_cast<unsigned char *>(test_platform::aligned_buffer(n))) {}
    ~Buffer() { test_platform::free_aligned_buffer(data); }
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;
    size_t size;
    unsigned char *data;
};

using CopyFn = void *(*)(void *, const void *, size_t);

#if WALLOC_COPY_KERNELS
walloc_cpu_facts this_cpu() {
    walloc_cpu_facts f;
    wl_cpu_facts_read(&f);
    return f;
}

bool cpu_runs(walloc_copy_isa isa) {
    const walloc_cpu_facts f = this_cpu();
    switch (isa) {
    case WALLOC_COPY_ISA_AVX512: return f.avx512;
    case WALLOC_COPY_ISA_AVX2: return f.avx2;
    case WALLOC_COPY_ISA_SSE2: return true;
    }
    return false;
}

// Which way the copies beyond a kernel's no-loop sizes are forced.
enum class Route { Loop, Stream, RepMovsb };

struct Kernel {
    walloc_copy_isa isa;
    Route route;
};

walloc_copy_plan plan_for(const Kernel &k) {
    walloc_copy_plan p{};
    p.isa = k.isa;
    p.rep_movsb_min = k.route == Route::RepMovsb ? 0 : kNever;
    p.rep_movsb_end = kNever;
    p.stream_above = k.route == Route::Stream ? 0 : kNever;
    return p;
}

// The forced plan of the running test, for the trampoline below (gtest runs tests one by one).
walloc_copy_plan g_plan;

void *copy_with_plan(void *dst, const void *src, size_t n) {
    switch (g_plan.isa) {
    case WALLOC_COPY_ISA_AVX512: return wl_copy_avx512_planned(&g_plan, dst, src, n);
    case WALLOC_COPY_ISA_AVX2: return wl_copy_avx2_planned(&g_plan, dst, src, n);
    case WALLOC_COPY_ISA_SSE2: break;
    }
    return wl_copy_sse2_planned(&g_plan, dst, src, n);
}

class CopyKernel : public ::testing::TestWithParam<Kernel> {
  protected:
    void SetUp() override {
        if (!cpu_runs(GetParam().isa)) GTEST_SKIP() << "this CPU cannot run this kernel";
        g_plan = plan_for(GetParam());
    }
    CopyFn copy_ = copy_with_plan;
};

std::string kernel_name(const Kernel &k) {
    std::string name = wl_copy_isa_name(k.isa);
    switch (k.route) {
    case Route::Loop: return name + "_loop";
    case Route::Stream: return name + "_stream";
    case Route::RepMovsb: return name + "_rep_movsb";
    }
    return name;
}

std::string kernel_test_name(const ::testing::TestParamInfo<Kernel> &info) { return kernel_name(info.param); }

void PrintTo(const Kernel &k, std::ostream *os) { *os << kernel_name(k); }
#else
// No kernels of our own here (copy_libc.c): the suite runs on the public function.
struct Kernel {
    const char *name;
};

class CopyKernel : public ::testing::TestWithParam<Kernel> {
  protected:
    CopyFn copy_ = walloc_memmove;
};

std::string kernel_test_name(const ::testing::TestParamInfo<Kernel> &info) { return info.param.name; }

void PrintTo(const Kernel &k, std::ostream *os) { *os << k.name; }
#endif

// Every size 0..512 at every source and destination offset 0..63, guards on both sides.
void exhaustive_small(CopyFn fn, const char *name) {
    constexpr size_t kMax = 512, kOff = 64, kPad = 64;
    const size_t dst_size = kPad + kOff + kMax + kPad;
    Buffer src(kOff + kMax), dst(dst_size);
    fill_random(src.data, src.size, 1);
    memset(dst.data, kGuard, dst_size);
    for (size_t n = 0; n <= kMax; n++) {
        for (size_t so = 0; so < kOff; so++) {
            for (size_t dof = 0; dof < kOff; dof++) {
                unsigned char *d = dst.data + kPad + dof;
                const unsigned char *s = src.data + so;
                void *ret = fn(d, s, n);
                ASSERT_EQ(ret, d) << name << " n=" << n;
                if (n) {
                    ASSERT_EQ(memcmp(d, s, n), 0)
                        << name << " n=" << n << " src off=" << so << " dst off=" << dof;
                }
                const size_t before = kPad + dof, after_start = kPad + dof + n;
                ASSERT_EQ(first_non_guard(dst.data, before), before)
                    << name << " wrote before dst: n=" << n << " src off=" << so << " dst off=" << dof;
                ASSERT_EQ(first_non_guard(dst.data + after_start, dst_size - after_start),
                          dst_size - after_start)
                    << name << " wrote past dst: n=" << n << " src off=" << so << " dst off=" << dof;
                memset(d, kGuard, n);
            }
        }
    }
}

TEST_P(CopyKernel, EverySizeAndOffsetUpTo512) { exhaustive_small(copy_, "copy"); }

// One large copy checked in full, with guards around the destination.
void check_large(CopyFn fn, size_t n, size_t src_off, size_t dst_off) {
    constexpr size_t kPad = 64;
    Buffer src(n + src_off), dst(n + dst_off + 2 * kPad);
    fill_random(src.data, src.size, n + src_off * 7 + dst_off);
    memset(dst.data, kGuard, dst.size);
    unsigned char *d = dst.data + kPad + dst_off;
    ASSERT_EQ(fn(d, src.data + src_off, n), d);
    ASSERT_EQ(memcmp(d, src.data + src_off, n), 0)
        << "n=" << n << " src off=" << src_off << " dst off=" << dst_off;
    ASSERT_EQ(first_non_guard(dst.data, kPad + dst_off), kPad + dst_off);
    ASSERT_EQ(first_non_guard(d + n, kPad), kPad);
}

TEST_P(CopyKernel, Copy1MiB) {
    for (size_t so : {0, 1, 17, 32, 63})
        for (size_t dof : {0, 1, 31, 64, 4095}) check_large(copy_, 1u << 20, so, dof);
    check_large(copy_, (1u << 20) + 77, 5, 9);
}

TEST_P(CopyKernel, Copy64MiB) {
    check_large(copy_, 64u << 20, 0, 0);
    check_large(copy_, (64u << 20) - 3, 3, 29);
}

// Every size of the loops' first iterations (past the AVX-512 kernel's 512 no-loop bytes, and
// glibc's rep movsb threshold of 2112), at offsets around vector and line boundaries.
TEST_P(CopyKernel, EveryLoopSizeUpTo2200) {
    for (size_t n = 129; n <= 2200; n++)
        for (size_t so : {0, 1, 33})
            for (size_t dof : {0, 31, 63}) {
                check_large(copy_, n, so, dof);
                if (HasFatalFailure()) return;
            }
}

// Sizes around every loop boundary of the kernels, each at a few alignments.
TEST_P(CopyKernel, MediumSizes) {
    for (size_t n : {4095, 4096, 4097, 4225, 8191, 16384, 65536 + 33})
        for (size_t so : {0, 7, 33})
            for (size_t dof : {0, 1, 63}) check_large(copy_, n, so, dof);
}

// (dst - src) mod 4096 from 0 to 300 (the rep movsb hole is 1..31; the loop runs backward at
// 1..255) and just below 4096: correctness at every placement the route treats differently.
TEST_P(CopyKernel, PageOffsetsAroundTheAliasingWindow) {
    for (size_t k = 0; k <= 300; k++) check_large(copy_, 16384 + (k % 7), 0, k);
    for (size_t k = 4096 - 40; k < 4096; k++) check_large(copy_, 16384, 0, k);
}

// memmove of n bytes between positions base and base + delta (or reverse) in one buffer,
// checked against the C library's memmove on a copy of the same buffer.
void check_overlap(Buffer &buf, std::vector<unsigned char> &ref, size_t n, size_t a, size_t b,
                   CopyFn move) {
    fill_random(buf.data, buf.size, n * 31 + a * 7 + b);
    memcpy(ref.data(), buf.data, buf.size);
    memmove(ref.data() + b, ref.data() + a, n);
    unsigned char *d = buf.data + b;
    ASSERT_EQ(move(d, buf.data + a, n), d);
    const unsigned char *got = buf.data;
    if (memcmp(got, ref.data(), buf.size) != 0) {
        size_t i = 0;
        while (got[i] == ref[i]) i++;
        FAIL() << "memmove n=" << n << " src=" << a << " dst=" << b << ": first difference at "
               << i;
    }
}

TEST_P(CopyKernel, MemmoveOverlapBothDirectionsUpTo600) {
    constexpr size_t kMaxN = 600, kBase = 64;
    const size_t deltas[] = {1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 96, 127,
                             128, 129, 200, 255, 256, 257, 300, 511, 512, 513};
    Buffer buf(kBase * 2 + 2 * kMaxN + 600);
    std::vector<unsigned char> ref(buf.size);
    for (size_t n = 0; n <= kMaxN; n++) {
        if (n <= 300) {  // the small paths with short shifts
            for (size_t delta : {size_t{1}, size_t{17}, size_t{33}, n / 2 + 1}) {
                check_overlap(buf, ref, n, kBase + 3, kBase + 3 + delta, copy_);
                check_overlap(buf, ref, n, kBase + 3 + delta, kBase + 3, copy_);
                if (HasFatalFailure()) return;
            }
        }
        for (size_t delta : deltas) {
            if (delta > n + 1) continue;  // disjoint: covered above
            for (size_t align : {0, 5, 32, 61}) {
                const size_t lo = kBase + align, hi = kBase + align + delta;
                check_overlap(buf, ref, n, lo, hi, copy_);  // dst above src: backward
                if (HasFatalFailure()) return;
                check_overlap(buf, ref, n, hi, lo, copy_);  // dst below src: forward
                if (HasFatalFailure()) return;
            }
        }
        // Shifts by n - 1 / n (just overlapping / adjacent).
        if (n > 1) {
            check_overlap(buf, ref, n, kBase + 3, kBase + 3 + n - 1, copy_);
            check_overlap(buf, ref, n, kBase + 3 + n - 1, kBase + 3, copy_);
        }
        check_overlap(buf, ref, n, kBase, kBase, copy_);  // dst == src
        if (HasFatalFailure()) return;
    }
}

TEST_P(CopyKernel, MemmoveOverlapLarge) {
    for (size_t n : {size_t{4097}, size_t{1} << 20, size_t{9} << 20}) {
        Buffer buf(n + 2 * 8192 + 128);
        std::vector<unsigned char> ref(buf.size);
        for (size_t delta : {size_t{1}, size_t{31}, size_t{64}, size_t{4096 + 7}}) {
            if (n > 4097 && (delta == 31 || delta == 64)) continue;  // keep the big ones quick
            for (size_t align : {0, 9}) {
                check_overlap(buf, ref, n, 64 + align, 64 + align + delta, copy_);
                check_overlap(buf, ref, n, 64 + align + delta, 64 + align, copy_);
                if (HasFatalFailure()) return;
            }
        }
    }
}

// Small copies that end right before, or start right after, a page nobody may touch: a kernel
// that reads or writes a byte outside [src, src + n) / [dst, dst + n) (a masked move whose mask
// is wrong, an over-wide load) faults here.
TEST_P(CopyKernel, SmallCopiesTouchNoByteOutsideTheirRanges) {
    const size_t page = test_platform::page_size();
    // [no access] lo..hi: two usable pages [no access]
    unsigned char *lo = test_platform::map_guarded(2);
    ASSERT_NE(lo, nullptr);
    unsigned char *hi = lo + 2 * page; // one past the last usable byte
    uint64_t seed = 1;
    // dst..dst+n gets src's bytes, and every other byte of the mapping stays as it was
    auto check = [&](CopyFn fn, unsigned char *dst, const unsigned char *src, size_t n) {
        fill_random(lo, 2 * page, seed++);
        std::vector<unsigned char> before(lo, hi);
        fn(dst, src, n);
        for (size_t i = 0; i < 2 * page; i++) {
            unsigned char *p = lo + i;
            unsigned char want = (p >= dst && p < dst + n) ? before[src - lo + (p - dst)] : before[i];
            ASSERT_EQ(want, *p) << "n=" << n << " byte " << i;
        }
    };
    for (size_t n = 0; n <= 600; n++) {
        check(copy_, lo, hi - n, n); // source against the upper guard page, destination the lower
        check(copy_, hi - n, lo, n); // and the other way round
    }
    test_platform::unmap_guarded(lo, 2);
}

#if WALLOC_COPY_KERNELS
INSTANTIATE_TEST_SUITE_P(
    Kernels, CopyKernel,
    ::testing::Values(Kernel{WALLOC_COPY_ISA_SSE2, Route::Loop}, Kernel{WALLOC_COPY_ISA_AVX2, Route::Loop},
                      Kernel{WALLOC_COPY_ISA_AVX512, Route::Loop},
                      Kernel{WALLOC_COPY_ISA_SSE2, Route::Stream},
                      Kernel{WALLOC_COPY_ISA_AVX2, Route::Stream},
                      Kernel{WALLOC_COPY_ISA_AVX512, Route::Stream},
                      Kernel{WALLOC_COPY_ISA_SSE2, Route::RepMovsb},
                      Kernel{WALLOC_COPY_ISA_AVX512, Route::RepMovsb}),
    kernel_test_name);

// ---- Routes ----

walloc_copy_plan loop_only() { return plan_for(Kernel{WALLOC_COPY_ISA_SSE2, Route::Loop}); }

TEST(CopyRoute, OverlapGoesTheOnlySafeWay) {
    const walloc_copy_plan p = plan_for(Kernel{WALLOC_COPY_ISA_SSE2, Route::RepMovsb});
    alignas(64) static char buf[8192];
    EXPECT_EQ(walloc_copy_route(buf + 1, buf, 1000, &p), WALLOC_COPY_BACKWARD);
    EXPECT_EQ(walloc_copy_route(buf + 999, buf, 1000, &p), WALLOC_COPY_BACKWARD);
    EXPECT_EQ(walloc_copy_route(buf, buf, 1000, &p), WALLOC_COPY_BACKWARD);
    EXPECT_EQ(walloc_copy_route(buf, buf + 1, 1000, &p), WALLOC_COPY_FORWARD);
    EXPECT_EQ(walloc_copy_route(buf, buf + 999, 1000, &p), WALLOC_COPY_FORWARD);
    EXPECT_EQ(walloc_copy_route(buf + 1000, buf, 1000, &p), WALLOC_COPY_REP_MOVSB);  // adjacent
    EXPECT_EQ(walloc_copy_route(buf, buf + 1000, 1000, &p), WALLOC_COPY_REP_MOVSB);
}

// A disjoint loop copy runs backward exactly when dst lies 1..255 bytes above src modulo 4 KiB.
TEST(CopyRoute, BackwardWhenDstIsJustAboveSrcModulo4KiB) {
    const walloc_copy_plan p = loop_only();
    static std::vector<char> buf(64 * 1024);
    char *src = buf.data();
    for (size_t k = 0; k < 4096; k++) {
        char *dst = src + 3 * 4096 + 4096 * (k % 3) + k;  // far above: disjoint for n = 4096
        const walloc_copy_way want = k != 0 && k < 256 ? WALLOC_COPY_BACKWARD : WALLOC_COPY_FORWARD;
        ASSERT_EQ(walloc_copy_route(dst, src, 4096, &p), want) << "(dst - src) mod 4096 = " << k;
        // dst below src: (dst - src) mod 4096 = 4096 - k
        const walloc_copy_way below = k != 0 && 4096 - k < 256 ? WALLOC_COPY_BACKWARD : WALLOC_COPY_FORWARD;
        ASSERT_EQ(walloc_copy_route(src, dst, 4096, &p), below) << "(dst - src) mod 4096 = " << (4096 - k) % 4096;
    }
}

TEST(CopyRoute, PlanRangesApplyToDisjointCopiesOnly) {
    walloc_copy_plan p = loop_only();
    p.rep_movsb_min = 2112;
    p.rep_movsb_end = (8u << 20) + 1;
    p.stream_above = 8u << 20;
    static std::vector<char> buf((20u << 20) + 8192);
    char *s = buf.data(), *d = buf.data() + (10u << 20) + 1024;  // 1024: not the aliasing window
    EXPECT_EQ(walloc_copy_route(d, s, 2111, &p), WALLOC_COPY_FORWARD);
    EXPECT_EQ(walloc_copy_route(d, s, 2112, &p), WALLOC_COPY_REP_MOVSB);
    EXPECT_EQ(walloc_copy_route(d, s, 8u << 20, &p), WALLOC_COPY_REP_MOVSB);
    EXPECT_EQ(walloc_copy_route(d, s, (8u << 20) + 1, &p), WALLOC_COPY_STREAM);
    EXPECT_EQ(walloc_copy_route(s + 4096, s, 8u << 20, &p), WALLOC_COPY_BACKWARD);  // overlap
    EXPECT_EQ(walloc_copy_route(s, s + 4096, 9u << 20, &p), WALLOC_COPY_FORWARD);   // overlap
}

// ---- The policy, for CPUs seen or described (copy_plan.c) ----

walloc_cpu_facts zen3() {
    walloc_cpu_facts f{};
    f.amd = true;
    f.avx2 = true;
    f.erms = f.fsrm = true;
    f.l2_bytes = 512u << 10;
    f.l3_bytes = 32u << 20;
    return f;
}

walloc_cpu_facts zen4() {
    walloc_cpu_facts f = zen3();
    f.avx512 = true;
    f.l2_bytes = 1u << 20;
    return f;
}

walloc_cpu_facts sapphire_rapids() {  // the Intel reference: AVX-512, AMX, FSRM, ERMS
    walloc_cpu_facts f{};
    f.intel = true;
    f.avx2 = f.avx512 = f.avx_vnni = true;
    f.erms = f.fsrm = true;
    f.l2_bytes = 2u << 20;
    f.l3_bytes = 105u << 20;
    return f;
}

walloc_cpu_facts skylake_server() {  // AVX-512 that lowers the clock, ERMS without FSRM
    walloc_cpu_facts f{};
    f.intel = true;
    f.avx2 = f.avx512 = true;
    f.erms = true;
    f.l2_bytes = 1u << 20;
    f.l3_bytes = 33u << 20;
    return f;
}

TEST(CopyPlan, AmdNeverUsesRepMovsbAndTakes64ByteMovesFromZen4) {
    walloc_cpu_facts f3 = zen3();
    walloc_copy_plan p = wl_copy_plan_for(&f3, false);
    EXPECT_EQ(p.isa, WALLOC_COPY_ISA_AVX2);
    EXPECT_EQ(p.rep_movsb_min, p.rep_movsb_end);
    EXPECT_EQ(p.stream_above, 8u << 20);
    walloc_cpu_facts f4 = zen4();
    p = wl_copy_plan_for(&f4, false);
    EXPECT_EQ(p.isa, WALLOC_COPY_ISA_AVX512);
    EXPECT_EQ(p.rep_movsb_min, p.rep_movsb_end);
    EXPECT_EQ(p.stream_above, 8u << 20);
}

TEST(CopyPlan, IntelWithFsrmUsesRepMovsbFrom2112BytesUpToTheStreamingThreshold) {
    walloc_cpu_facts f = sapphire_rapids();
    walloc_copy_plan p = wl_copy_plan_for(&f, false);
    EXPECT_EQ(p.isa, WALLOC_COPY_ISA_AVX512);
    EXPECT_EQ(p.rep_movsb_min, 2112u);
    EXPECT_EQ(p.stream_above, (105u << 20) / 4);
    EXPECT_EQ(p.rep_movsb_end, p.stream_above + 1);
}

TEST(CopyPlan, IntelWithoutAvxVnniKeeps32ByteMovesAndScalesTheRepMovsbThreshold) {
    walloc_cpu_facts f = skylake_server();
    walloc_copy_plan p = wl_copy_plan_for(&f, false);
    EXPECT_EQ(p.isa, WALLOC_COPY_ISA_AVX2);
    EXPECT_EQ(p.rep_movsb_min, 4096u);  // 2 KiB per 16 bytes of vector width, without FSRM
    f.erms = false;
    p = wl_copy_plan_for(&f, false);
    EXPECT_EQ(p.rep_movsb_min, p.rep_movsb_end);
}

TEST(CopyPlan, BaselineCpuGetsSse2) {
    walloc_cpu_facts f{};
    f.intel = true;
    walloc_copy_plan p = wl_copy_plan_for(&f, false);
    EXPECT_EQ(p.isa, WALLOC_COPY_ISA_SSE2);
    EXPECT_EQ(p.rep_movsb_min, p.rep_movsb_end);
    EXPECT_EQ(p.stream_above, 8u << 20);  // no cache reported
}

TEST(CopyPlan, StreamingThresholdFollowsTheCacheWithAFloor) {
    walloc_cpu_facts f = zen4();
    f.l3_bytes = 0;
    EXPECT_EQ(wl_copy_plan_for(&f, false).stream_above, 4u << 20);  // L2 x 4
    f.l2_bytes = 128u << 10;
    EXPECT_EQ(wl_copy_plan_for(&f, false).stream_above, 1u << 20);  // floor
    f.l3_bytes = 96u << 20;
    EXPECT_EQ(wl_copy_plan_for(&f, false).stream_above, 24u << 20);
}

TEST(CopyPlan, SanitizedBuildsAvoidMaskedMovesAndRepMovsb) {
    walloc_cpu_facts f = sapphire_rapids();
    walloc_copy_plan p = wl_copy_plan_for(&f, true);
    EXPECT_EQ(p.isa, WALLOC_COPY_ISA_AVX2);
    EXPECT_EQ(p.rep_movsb_min, p.rep_movsb_end);
    f = zen4();
    EXPECT_EQ(wl_copy_plan_for(&f, true).isa, WALLOC_COPY_ISA_AVX2);
}

// ---- The facts of this CPU, against what the compiler's runtime and Linux report ----

bool cpuinfo_has_flag(const std::string &flag) {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        return (line + " ").find(" " + flag + " ") != std::string::npos;
    }
    return false;
}

size_t sysfs_cache_bytes(int level) {  // cpu0's data/unified cache at level, 0 when absent
    for (int i = 0; i < 8; i++) {
        const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
        std::ifstream lv(dir + "level"), ty(dir + "type"), sz(dir + "size");
        int l = 0;
        std::string type, size;
        if (!(lv >> l) || !(ty >> type) || !(sz >> size)) continue;
        if (l != level || type == "Instruction") continue;
        size_t v = std::stoul(size);
        if (size.back() == 'K') v <<= 10;
        if (size.back() == 'M') v <<= 20;
        return v;
    }
    return 0;
}

TEST(CopyFacts, AgreeWithWhatTheSystemReports) {
    const walloc_cpu_facts f = this_cpu();
    __builtin_cpu_init();
    EXPECT_EQ(f.amd, __builtin_cpu_is("amd"));
    EXPECT_EQ(f.intel, __builtin_cpu_is("intel"));
    EXPECT_EQ(f.avx2, __builtin_cpu_supports("avx2") != 0);
    EXPECT_EQ(f.avx512, __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("bmi2"));
#if defined(__linux__)  // what Linux read from the same cpuid leaves
    EXPECT_EQ(f.erms, cpuinfo_has_flag("erms"));
    EXPECT_EQ(f.fsrm, cpuinfo_has_flag("fsrm"));
    EXPECT_EQ(f.avx_vnni, cpuinfo_has_flag("avx_vnni"));
    if (size_t l2 = sysfs_cache_bytes(2)) EXPECT_EQ(f.l2_bytes, l2);
    if (size_t l3 = sysfs_cache_bytes(3)) EXPECT_EQ(f.l3_bytes, l3);
#endif
}

#else
INSTANTIATE_TEST_SUITE_P(Kernels, CopyKernel, ::testing::Values(Kernel{"libc_memmove"}), kernel_test_name);
#endif

// ---- The public functions ----

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WALLOC_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WALLOC_TEST_SANITIZED 1
#endif
#ifndef WALLOC_TEST_SANITIZED
#define WALLOC_TEST_SANITIZED 0
#endif

#if WALLOC_COPY_KERNELS
TEST(CopyDispatch, PublicFunctionsFollowThePlanForThisCpu) {
    const walloc_cpu_facts f = this_cpu();
    const walloc_copy_plan want = wl_copy_plan_for(&f, WALLOC_TEST_SANITIZED);
    const walloc_copy_plan *got = wl_copy_active_plan();
    EXPECT_EQ(got->isa, want.isa);
    EXPECT_EQ(got->rep_movsb_min, want.rep_movsb_min);
    EXPECT_EQ(got->rep_movsb_end, want.rep_movsb_end);
    EXPECT_EQ(got->stream_above, want.stream_above);
    // Both sides of each plan threshold.
    for (size_t n : {got->stream_above, got->stream_above + 1, got->stream_above + 4099})
        check_large(walloc_memcpy, n, 3, 40);
    if (got->rep_movsb_min < got->rep_movsb_end)
        for (size_t n : {got->rep_movsb_min - 1, got->rep_movsb_min, got->rep_movsb_min + 1})
            check_large(walloc_memmove, n, 1, 2);
}
#endif

// Every small size and offset, a large copy, overlap both ways, through the public names.
TEST(CopyDispatch, PublicFunctionsCopy) {
    exhaustive_small(walloc_memcpy, "walloc_memcpy");
    exhaustive_small(walloc_memmove, "walloc_memmove");
    check_large(walloc_memcpy, (9u << 20) + 4099, 3, 40);
    Buffer buf(4096);
    std::vector<unsigned char> ref(buf.size);
    for (size_t n : {size_t{7}, size_t{64}, size_t{100}, size_t{1000}}) {
        check_overlap(buf, ref, n, 64, 64 + 3, walloc_memmove);
        check_overlap(buf, ref, n, 64 + 3, 64, walloc_memmove);
    }
}

TEST(CopyDispatch, ZeroLengthTouchesNothing) {
    EXPECT_EQ(walloc_memcpy(nullptr, nullptr, 0), nullptr);
    EXPECT_EQ(walloc_memmove(nullptr, nullptr, 0), nullptr);
}

}  // namespace
