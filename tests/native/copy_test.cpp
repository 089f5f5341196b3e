// copy_test.cpp - walloc_memcpy / walloc_memmove against the C library, on every kernel the
// machine can run (SSE2 always, AVX2 and AVX-512 when cpuid says so), called through the
// per-ISA functions; the public functions are bound to one of them, checked at the end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>
#include <string>
#include <vector>

#include "copy_internal.h"
#include "walloc.h"

namespace {

constexpr unsigned char kGuard = 0xA5;

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
    explicit Buffer(size_t n) : size(n) {
        void *p = nullptr;
        if (posix_memalign(&p, 4096, n ? n : 1) != 0) p = nullptr;
        data = static_cast<unsigned char *>(p);
    }
    ~Buffer() { free(data); }
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;
    unsigned char *data;
    size_t size;
};

using CopyFn = void *(*)(void *, const void *, size_t);

bool cpu_runs(int isa) {
    __builtin_cpu_init();
    switch (isa) {
    case WALLOC_COPY_ISA_AVX512:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi2");
    case WALLOC_COPY_ISA_AVX2: return __builtin_cpu_supports("avx2");
    default: return true;
    }
}

CopyFn isa_memcpy(int isa);
CopyFn isa_memmove(int isa);

class CopyIsa : public ::testing::TestWithParam<int> {
  protected:
    void SetUp() override {
        if (!cpu_runs(GetParam())) GTEST_SKIP() << "this CPU cannot run this kernel";
        copy_ = isa_memcpy(GetParam());
        move_ = isa_memmove(GetParam());
    }
    CopyFn copy_ = nullptr;
    CopyFn move_ = nullptr;
};

std::string isa_name(const ::testing::TestParamInfo<int> &info) {
    switch (info.param) {
    case WALLOC_COPY_ISA_AVX512: return "AVX512";
    case WALLOC_COPY_ISA_AVX2: return "AVX2";
    default: return "SSE2";
    }
}

CopyFn isa_memcpy(int isa) {
    switch (isa) {
    case WALLOC_COPY_ISA_AVX512: return walloc_memcpy_avx512;
    case WALLOC_COPY_ISA_AVX2: return walloc_memcpy_avx2;
    default: return walloc_memcpy_sse2;
    }
}

CopyFn isa_memmove(int isa) {
    switch (isa) {
    case WALLOC_COPY_ISA_AVX512: return walloc_memmove_avx512;
    case WALLOC_COPY_ISA_AVX2: return walloc_memmove_avx2;
    default: return walloc_memmove_sse2;
    }
}

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

TEST_P(CopyIsa, MemcpyEverySizeAndOffsetUpTo512) { exhaustive_small(copy_, "memcpy"); }

TEST_P(CopyIsa, MemmoveDisjointEverySizeAndOffsetUpTo512) {
    exhaustive_small(move_, "memmove");
}

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

TEST_P(CopyIsa, Memcpy1MiB) {
    for (size_t so : {0, 1, 17, 32, 63})
        for (size_t dof : {0, 1, 31, 64, 4095}) check_large(copy_, 1u << 20, so, dof);
    check_large(copy_, (1u << 20) + 77, 5, 9);
}

TEST_P(CopyIsa, Memcpy64MiB) {
    check_large(copy_, 64u << 20, 0, 0);
    check_large(copy_, (64u << 20) - 3, 3, 29);
}

TEST_P(CopyIsa, MemcpyAroundNonTemporalThreshold) {
    const size_t t = WALLOC_COPY_NT_THRESHOLD;
    for (size_t n : {t - 1, t, t + 127})
        for (size_t so : {0, 13})
            for (size_t dof : {0, 40}) check_large(copy_, n, so, dof);
}

// Sizes around every loop boundary of the kernels, each at a few alignments.
TEST_P(CopyIsa, MemcpyMediumSizes) {
    for (size_t n : {513, 640, 1000, 4095, 4096, 4097, 4225, 8191, 16384, 65536 + 33})
        for (size_t so : {0, 7, 33})
            for (size_t dof : {0, 1, 63}) check_large(copy_, n, so, dof);
}

// (dst - src) mod 4096 in 1..31: the rep movsb hole; correctness there too.
TEST_P(CopyIsa, MemcpyAliasedPageOffsets) {
    for (size_t k = 1; k < 32; k++) check_large(copy_, 16384, 0, k);
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

TEST_P(CopyIsa, MemmoveOverlapBothDirectionsUpTo600) {
    constexpr size_t kMaxN = 600, kBase = 64;
    const size_t deltas[] = {1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 96, 127,
                             128, 129, 200, 255, 256, 257, 300, 511, 512, 513};
    Buffer buf(kBase * 2 + 2 * kMaxN + 600);
    std::vector<unsigned char> ref(buf.size);
    for (size_t n = 0; n <= kMaxN; n++) {
        if (n <= 300) {  // the small paths with short shifts
            for (size_t delta : {size_t{1}, size_t{17}, size_t{33}, n / 2 + 1}) {
                check_overlap(buf, ref, n, kBase + 3, kBase + 3 + delta, move_);
                check_overlap(buf, ref, n, kBase + 3 + delta, kBase + 3, move_);
                if (HasFatalFailure()) return;
            }
        }
        for (size_t delta : deltas) {
            if (delta > n + 1) continue;  // disjoint: covered above
            for (size_t align : {0, 5, 32, 61}) {
                const size_t lo = kBase + align, hi = kBase + align + delta;
                check_overlap(buf, ref, n, lo, hi, move_);  // dst above src: backward
                if (HasFatalFailure()) return;
                check_overlap(buf, ref, n, hi, lo, move_);  // dst below src: forward
                if (HasFatalFailure()) return;
            }
        }
        // Shifts by n - 1 / n (just overlapping / adjacent).
        if (n > 1) {
            check_overlap(buf, ref, n, kBase + 3, kBase + 3 + n - 1, move_);
            check_overlap(buf, ref, n, kBase + 3 + n - 1, kBase + 3, move_);
        }
        check_overlap(buf, ref, n, kBase, kBase, move_);  // dst == src
        if (HasFatalFailure()) return;
    }
}

TEST_P(CopyIsa, MemmoveOverlapLarge) {
    const size_t t = WALLOC_COPY_NT_THRESHOLD;
    for (size_t n : {size_t{4097}, size_t{1} << 20, t - 1, t + 4096 + 3}) {
        Buffer buf(n + 2 * 8192 + 128);
        std::vector<unsigned char> ref(buf.size);
        for (size_t delta : {size_t{1}, size_t{31}, size_t{64}, size_t{4096 + 7}}) {
            if (n > 4097 && (delta == 31 || delta == 64)) continue;  // keep the big ones quick
            for (size_t align : {0, 9}) {
                check_overlap(buf, ref, n, 64 + align, 64 + align + delta, move_);
                check_overlap(buf, ref, n, 64 + align + delta, 64 + align, move_);
                if (HasFatalFailure()) return;
            }
        }
    }
}

// Large disjoint memmove goes through the forward kernel, including non-temporal stores.
TEST_P(CopyIsa, MemmoveDisjointLarge) {
    const size_t t = WALLOC_COPY_NT_THRESHOLD;
    for (size_t n : {size_t{1} << 20, t + 5}) {
        check_large(move_, n, 0, 0);
        check_large(move_, n, 11, 3);
    }
}

// Small copies that end right before, or start right after, a page nobody may touch: a kernel
// that reads or writes a byte outside [src, src + n) / [dst, dst + n) (a masked move whose mask
// is wrong, an over-wide load) faults here.
TEST_P(CopyIsa, SmallCopiesTouchNoByteOutsideTheirRanges) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    auto *m = static_cast<unsigned char *>(
        mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(m, MAP_FAILED);
    // pages: [0] no access, [1] src/dst, [2] src/dst, [3] no access
    ASSERT_EQ(mprotect(m, page, PROT_NONE), 0);
    ASSERT_EQ(mprotect(m + 3 * page, page, PROT_NONE), 0);
    unsigned char *lo = m + page, *hi = m + 3 * page; // first usable byte, one past the last
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
    for (size_t n = 0; n <= 128; n++) {
        for (CopyFn fn : {copy_, move_}) {
            check(fn, lo, hi - n, n); // source against the upper guard page, destination the lower
            check(fn, hi - n, lo, n); // and the other way round
        }
    }
    munmap(m, 4 * page);
}

INSTANTIATE_TEST_SUITE_P(Kernels, CopyIsa,
                         ::testing::Values(int{WALLOC_COPY_ISA_SSE2}, int{WALLOC_COPY_ISA_AVX2},
                                           int{WALLOC_COPY_ISA_AVX512}),
                         isa_name);

TEST(CopyDispatch, PublicFunctionsAreBoundToTheWidestUsefulKernel) {
    __builtin_cpu_init();
    int expected = WALLOC_COPY_ISA_SSE2;
    if (__builtin_cpu_supports("avx2")) expected = WALLOC_COPY_ISA_AVX2;
    // Sanitizer builds stay on AVX2: the sanitizers do not see the AVX-512 kernel's masked moves
    // (GCC names them by __SANITIZE_*__, clang by __has_feature, as copy.c does).
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WALLOC_TEST_SANITIZED 1
#endif
#endif
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && !defined(WALLOC_TEST_SANITIZED)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi2") && __builtin_cpu_is("amd"))
        expected = WALLOC_COPY_ISA_AVX512;
#endif
    EXPECT_EQ(walloc_copy_active_isa(), expected);
    // And they copy correctly: every small size and offset, a large copy, overlap both ways.
    exhaustive_small(walloc_memcpy, "walloc_memcpy");
    exhaustive_small(walloc_memmove, "walloc_memmove");
    check_large(walloc_memcpy, (1u << 20) + 77, 5, 9);
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
