// Every public function and every status it documents.
#include "walloc_fixture.h"

#include <cmath>
#include <set>
#include <string>

#include "test_platform.h"

TEST(Config, DefaultIs256MiBWithFiftyThirtyTwenty)
{
    walloc_config c = walloc_config_default();
    EXPECT_EQ(c.capacity, 256u << 20);
    EXPECT_DOUBLE_EQ(c.tier_ratio[WALLOC_TIER_TOP], 0.5);
    EXPECT_DOUBLE_EQ(c.tier_ratio[WALLOC_TIER_MIDDLE], 0.3);
    EXPECT_DOUBLE_EQ(c.tier_ratio[WALLOC_TIER_BOTTOM], 0.2);
    EXPECT_EQ(walloc_config_validate(&c), WALLOC_OK);
}

TEST(Config, ValidationRejectsBadValues)
{
    EXPECT_EQ(walloc_config_validate(nullptr), WALLOC_ERR_INVALID_ARGUMENT);
    walloc_config c = walloc_config_default();
    c.capacity = 1000;
    EXPECT_EQ(walloc_config_validate(&c), WALLOC_ERR_INVALID_CONFIG);
    c = walloc_config_default();
    c.capacity = UINT64_MAX;
    EXPECT_EQ(walloc_config_validate(&c), WALLOC_ERR_INVALID_CONFIG);
    for (double bad : {0.0, -0.1, 1.5, (double)NAN}) {
        c = walloc_config_default();
        c.tier_ratio[1] = bad;
        EXPECT_EQ(walloc_config_validate(&c), WALLOC_ERR_INVALID_CONFIG) << bad;
        EXPECT_EQ(walloc_create(&c), nullptr);
    }
    c = walloc_config_default();
    c.tier_ratio[0] = 0.6, c.tier_ratio[1] = 0.3, c.tier_ratio[2] = 0.2; // sums to 1.1
    EXPECT_EQ(walloc_config_validate(&c), WALLOC_ERR_INVALID_CONFIG);
    c = walloc_config_default();
    c.capacity = 64 * 1024;
    c.tier_ratio[2] = 0.01; // less than a page
    EXPECT_EQ(walloc_config_validate(&c), WALLOC_ERR_INVALID_CONFIG);
}

TEST(Create, TierCapacitiesFollowRatios)
{
    auto w = make_walloc(100u << 20, 0, 0.25, 0.25, 0.5);
    ASSERT_TRUE(w);
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_TOP).capacity, 25u << 20);
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_MIDDLE).capacity, 25u << 20);
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_BOTTOM).capacity, 50u << 20);
    walloc *d = walloc_create(nullptr); // NULL config: defaults
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(stats_of(d, WALLOC_TIER_TOP).capacity, 128u << 20);
    walloc_destroy(d);
    walloc_destroy(nullptr); // no-op
}

using test_platform::resident_pages;

TEST(Destroy, KeepRegionLeavesMemoryUsableWithoutItsRam)
{
    walloc *w = walloc_create(nullptr);
    ASSERT_NE(w, nullptr);
    walloc_region r = walloc_region_of(w);
    ASSERT_NE(r.base, nullptr);
    uint64_t capacity = 0;
    for (walloc_tier t : kTiers)
        capacity += stats_of(w, t).capacity;
    EXPECT_EQ(r.size, capacity);
    const size_t n = 1u << 20;
    walloc_handle h = walloc_alloc(w, n, WALLOC_TIER_MIDDLE);
    ASSERT_NE(h, WALLOC_NULL);
    auto *p = static_cast<uint8_t *>(walloc_ptr(w, h));
    EXPECT_EQ(p, static_cast<uint8_t *>(r.base) + h);
    memset(p, 0xAB, n);
    EXPECT_EQ(resident_pages(p, n), (long)(n / test_platform::page_size()));

    walloc_region kept = walloc_destroy_keep_region(w);
    EXPECT_EQ(kept.base, r.base);
    EXPECT_EQ(kept.size, r.size);
#if !defined(_WIN32)
    // POSIX: madvise(MADV_DONTNEED) frees the RAM at once and the pages read zeros. Windows
    // (MEM_RESET) lets the system take them back when it wants; what they read is unspecified.
    EXPECT_EQ(resident_pages(p, n), 0) << "the RAM goes back at once";
    for (size_t i = 0; i < n; i += 4096)
        ASSERT_EQ(p[i], 0) << i;
#endif
    for (size_t i = 0; i < n; i += 4096)
        p[i] = static_cast<uint8_t>(p[i] + 1); // still readable and writable: a raw pointer used late must not fault
    p[n - 1] = 7;
    EXPECT_EQ(p[n - 1], 7);

    walloc_region_release(kept);
    EXPECT_EQ(resident_pages(p, n), -1) << "released: no longer mapped";
    walloc_region_release(walloc_region{nullptr, 0});               // no-op
    EXPECT_EQ(walloc_destroy_keep_region(nullptr).base, nullptr); // no-op
    EXPECT_EQ(walloc_region_of(nullptr).base, nullptr);
}

TEST(Region, TiersLieInOrderFromHandleZero)
{
    auto w = make_walloc(64u << 20, 0, 0.2, 0.3, 0.5);
    walloc_region r = walloc_region_of(w.get());
    uint64_t start = 0;
    for (walloc_tier t : kTiers) {
        uint64_t cap = stats_of(w.get(), t).capacity;
        walloc_handle h = walloc_alloc(w.get(), 64, t);
        ASSERT_NE(h, WALLOC_NULL);
        EXPECT_GE(h, start) << "tier " << t;
        EXPECT_LT(h, start + cap) << "tier " << t;
        EXPECT_EQ(walloc_ptr(w.get(), h), static_cast<uint8_t *>(r.base) + h);
        walloc_handle lo = 0, hi = 0;
        ASSERT_EQ(walloc_tier_range(w.get(), t, &lo, &hi), WALLOC_OK);
        EXPECT_EQ(lo, start) << "tier " << t;
        EXPECT_EQ(hi, start + cap) << "tier " << t;
        ASSERT_EQ(walloc_free(w.get(), h, 64), WALLOC_OK);
        start += cap;
    }
    EXPECT_EQ(start, r.size);
    walloc_handle lo, hi;
    EXPECT_EQ(walloc_tier_range(w.get(), (walloc_tier)3, &lo, &hi), WALLOC_ERR_INVALID_TIER);
    EXPECT_EQ(walloc_tier_range(w.get(), WALLOC_TIER_TOP, nullptr, &hi), WALLOC_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(walloc_tier_range(nullptr, WALLOC_TIER_TOP, &lo, &hi), WALLOC_ERR_INVALID_ARGUMENT);
}

TEST(BlockSize, IsWhatTheStatisticsCount)
{
    auto w = make_walloc();
    for (walloc_tier t : kTiers) {
        uint32_t a = walloc_tier_alignment(t);
        for (uint64_t size : {0ull, 1ull, 8ull, 9ull, 100ull, 129ull, 1000ull, 4096ull, 65536ull, 65537ull, 300000ull}) {
            uint64_t bs = walloc_block_size(w.get(), t, size);
            uint64_t req = size ? size : 1;
            EXPECT_GE(bs, req);
            EXPECT_EQ(bs % a, 0u);
            EXPECT_LE(bs, req + req / 4 + a) << "rounding wastes at most 25 % plus the alignment";
            uint64_t before = stats_of(w.get(), t).live_bytes;
            walloc_handle h = walloc_alloc(w.get(), size, t);
            ASSERT_NE(h, WALLOC_NULL);
            EXPECT_EQ(stats_of(w.get(), t).live_bytes - before, bs) << "tier " << t << " size " << size;
            ASSERT_EQ(walloc_free(w.get(), h, size), WALLOC_OK);
        }
    }
    EXPECT_EQ(walloc_block_size(nullptr, WALLOC_TIER_TOP, 8), 0u);
    EXPECT_EQ(walloc_block_size(w.get(), (walloc_tier)3, 8), 0u);
    EXPECT_EQ(walloc_block_size(w.get(), WALLOC_TIER_TOP, UINT64_MAX), 0u);
}

TEST(Alloc, EveryTierAlignsItsBlocks)
{
    auto w = make_walloc();
    for (walloc_tier t : kTiers) {
        uint32_t a = walloc_tier_alignment(t);
        EXPECT_EQ(stats_of(w.get(), t).alignment, a);
        for (uint64_t size : {0ull, 1ull, 7ull, 8ull, 9ull, 63ull, 100ull, 129ull, 1000ull, 4096ull,
                              65536ull, 65537ull, 300000ull}) {
            walloc_handle h = walloc_alloc(w.get(), size, t);
            ASSERT_NE(h, WALLOC_NULL) << size;
            EXPECT_EQ(h % a, 0u) << "tier " << t << " size " << size;
            EXPECT_EQ((uintptr_t)walloc_ptr(w.get(), h) % a, 0u);
            walloc_tier where;
            ASSERT_EQ(walloc_tier_of(w.get(), h, &where), WALLOC_OK);
            EXPECT_EQ(where, t);
            EXPECT_EQ(walloc_free(w.get(), h, size), WALLOC_OK);
        }
    }
    EXPECT_EQ(walloc_tier_alignment(WALLOC_TIER_TOP), 128u);
    EXPECT_EQ(walloc_tier_alignment(WALLOC_TIER_MIDDLE), 64u);
    EXPECT_EQ(walloc_tier_alignment(WALLOC_TIER_BOTTOM), 8u);
    EXPECT_EQ(walloc_tier_alignment((walloc_tier)3), 0u);
}

TEST(Alloc, InvalidArgumentsGiveNullWithoutCounting)
{
    auto w = make_walloc();
    EXPECT_EQ(walloc_alloc(nullptr, 10, WALLOC_TIER_TOP), WALLOC_NULL);
    EXPECT_EQ(walloc_alloc(w.get(), 10, (walloc_tier)3), WALLOC_NULL);
    EXPECT_EQ(walloc_alloc(w.get(), 10, (walloc_tier)-1), WALLOC_NULL);
    for (walloc_tier t : kTiers)
        EXPECT_EQ(stats_of(w.get(), t).failed_allocs, 0u);
}

TEST(Alloc, OutOfMemoryIsNullCountedAndRecoverable)
{
    auto w = make_walloc(1u << 20, 1);
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    EXPECT_EQ(walloc_alloc(w.get(), s.capacity + 1, WALLOC_TIER_BOTTOM), WALLOC_NULL);
    EXPECT_EQ(walloc_alloc(w.get(), UINT64_MAX, WALLOC_TIER_BOTTOM), WALLOC_NULL);
    std::vector<walloc_handle> hs;
    for (;;) {
        walloc_handle h = walloc_alloc(w.get(), 1024, WALLOC_TIER_BOTTOM);
        if (h == WALLOC_NULL)
            break;
        hs.push_back(h);
    }
    s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    EXPECT_EQ(s.failed_allocs, 3u);
    EXPECT_GE(hs.size() * 1024, s.capacity * 9 / 10); // the tier really filled up
    EXPECT_LE(s.bump_head, s.capacity);
    for (walloc_handle h : hs)
        ASSERT_EQ(walloc_free(w.get(), h, 1024), WALLOC_OK);
    EXPECT_NE(walloc_alloc(w.get(), 1024, WALLOC_TIER_BOTTOM), WALLOC_NULL);
    // Other tiers were never touched.
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_TOP).bump_head, 0u);
}

TEST(Free, StatusesForBadHandles)
{
    auto w = make_walloc(8u << 20, 1);
    walloc_handle a = walloc_alloc(w.get(), 100, WALLOC_TIER_MIDDLE);
    walloc_handle big = walloc_alloc(w.get(), 200000, WALLOC_TIER_TOP);
    ASSERT_NE(a, WALLOC_NULL);
    ASSERT_NE(big, WALLOC_NULL);
    EXPECT_EQ(walloc_free(nullptr, a, 100), WALLOC_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(walloc_free(w.get(), WALLOC_NULL, 100), WALLOC_ERR_INVALID_HANDLE);
    EXPECT_EQ(walloc_free(w.get(), 1ull << 40, 100), WALLOC_ERR_INVALID_HANDLE); // in no tier
    EXPECT_EQ(walloc_free(w.get(), a + 8, 100), WALLOC_ERR_INVALID_HANDLE);      // misaligned
    EXPECT_EQ(walloc_free(w.get(), a + 64, 64), WALLOC_ERR_NOT_A_BLOCK);          // inside a block
    EXPECT_EQ(walloc_free(w.get(), a, 1u << 20), WALLOC_ERR_OUT_OF_BOUNDS);       // past the head
    EXPECT_EQ(walloc_free(w.get(), a, UINT64_MAX), WALLOC_ERR_OUT_OF_BOUNDS);     // absurd size
    EXPECT_EQ(walloc_free(w.get(), a, 99), WALLOC_ERR_SIZE_MISMATCH);
    walloc_stats before = stats_of(w.get(), WALLOC_TIER_MIDDLE);
    EXPECT_EQ(before.live_blocks, 1u); // none of the bad frees changed anything
    EXPECT_EQ(walloc_free(w.get(), a, 100), WALLOC_OK);
    EXPECT_EQ(walloc_free(w.get(), a, 100), WALLOC_ERR_DOUBLE_FREE);
    EXPECT_EQ(walloc_free(w.get(), big, 200000), WALLOC_OK);
    // Its memory went back to the bump head, and checked mode still names the double free.
    EXPECT_EQ(walloc_free(w.get(), big, 200000), WALLOC_ERR_DOUBLE_FREE);
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_TOP).bump_head, 0u);
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_MIDDLE).live_blocks, 0u);
}

TEST(Free, UncheckedModeStillRejectsHandlesOutsideTiers)
{
    auto w = make_walloc(8u << 20, 0);
    walloc_handle a = walloc_alloc(w.get(), 100, WALLOC_TIER_TOP);
    EXPECT_EQ(walloc_free(w.get(), a + 1, 100), WALLOC_ERR_INVALID_HANDLE);
    EXPECT_EQ(walloc_free(w.get(), 1ull << 40, 100), WALLOC_ERR_INVALID_HANDLE);
    EXPECT_EQ(walloc_free(w.get(), a + (1u << 20), 100), WALLOC_ERR_OUT_OF_BOUNDS);
    EXPECT_EQ(walloc_free(w.get(), a, 100), WALLOC_OK);
}

TEST(Free, ABlockOfOneTierCannotBeFreedIntoAnother)
{
    auto w = make_walloc(8u << 20, 0);
    walloc_handle top = walloc_alloc(w.get(), 128, WALLOC_TIER_TOP);
    walloc_stats mid = stats_of(w.get(), WALLOC_TIER_MIDDLE);
    ASSERT_EQ(walloc_free(w.get(), top, 128), WALLOC_OK);
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_MIDDLE).total_frees, mid.total_frees);
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_TOP).total_frees, 1u);
}

TEST(Batch, AllocatesAllOrNothing)
{
    auto w = make_walloc(4u << 20, 1);
    uint64_t sizes[] = {10, 200, 3000, 70000};
    int32_t tiers[] = {0, 1, 2, 0};
    walloc_handle out[4];
    ASSERT_EQ(walloc_alloc_batch(w.get(), sizes, tiers, 4, out), WALLOC_OK);
    for (int i = 0; i < 4; i++) {
        ASSERT_NE(out[i], WALLOC_NULL);
        walloc_tier where;
        ASSERT_EQ(walloc_tier_of(w.get(), out[i], &where), WALLOC_OK);
        EXPECT_EQ(where, tiers[i]);
    }
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(walloc_free(w.get(), out[i], sizes[i]), WALLOC_OK);

    int32_t bad_tiers[] = {0, 1, 7, 0};
    EXPECT_EQ(walloc_alloc_batch(w.get(), sizes, bad_tiers, 4, out), WALLOC_ERR_INVALID_TIER);
    for (auto h : out)
        EXPECT_EQ(h, WALLOC_NULL);
    uint64_t huge[] = {10, 1ull << 40};
    EXPECT_EQ(walloc_alloc_batch(w.get(), huge, tiers, 2, out), WALLOC_ERR_INVALID_SIZE);

    // The bottom tier has 800 KiB: the sixth 200 KiB block can't fit, so nothing stays taken.
    uint64_t many[6];
    int32_t bottoms[6];
    walloc_handle hs[6];
    for (int i = 0; i < 6; i++)
        many[i] = 200 * 1024, bottoms[i] = WALLOC_TIER_BOTTOM;
    walloc_stats before = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    EXPECT_EQ(walloc_alloc_batch(w.get(), many, bottoms, 6, hs), WALLOC_ERR_OUT_OF_MEMORY);
    for (auto h : hs)
        EXPECT_EQ(h, WALLOC_NULL);
    walloc_stats after = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    EXPECT_EQ(after.live_blocks, before.live_blocks);
    EXPECT_EQ(after.live_bytes, before.live_bytes);

    EXPECT_EQ(walloc_alloc_batch(w.get(), nullptr, tiers, 0, out), WALLOC_OK);
    EXPECT_EQ(walloc_alloc_batch(w.get(), nullptr, tiers, 1, out), WALLOC_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(walloc_alloc_batch(nullptr, sizes, tiers, 1, out), WALLOC_ERR_INVALID_ARGUMENT);
}

TEST(Access, WriteReadCopyRoundTrip)
{
    auto w = make_walloc();
    walloc_handle a = walloc_alloc(w.get(), 5000, WALLOC_TIER_TOP);
    walloc_handle b = walloc_alloc(w.get(), 5000, WALLOC_TIER_BOTTOM);
    std::vector<uint8_t> src(5000), dst(5000);
    fill_pattern(src.data(), src.size(), 42);
    ASSERT_EQ(walloc_write(w.get(), a, src.data(), src.size()), WALLOC_OK);
    ASSERT_EQ(walloc_copy(w.get(), b, a, 5000), WALLOC_OK); // across tiers
    ASSERT_EQ(walloc_read(w.get(), b, dst.data(), dst.size()), WALLOC_OK);
    EXPECT_EQ(src, dst);
    EXPECT_EQ(std::memcmp(walloc_ptr(w.get(), a), src.data(), 5000), 0);
    // Overlapping copy has memmove semantics.
    ASSERT_EQ(walloc_copy(w.get(), a + 1, a, 4000), WALLOC_OK);
    ASSERT_EQ(walloc_read(w.get(), a + 1, dst.data(), 4000), WALLOC_OK);
    EXPECT_EQ(std::memcmp(dst.data(), src.data(), 4000), 0);
    EXPECT_EQ(walloc_write(w.get(), a, nullptr, 0), WALLOC_OK);
}

TEST(Access, BoundsAndArguments)
{
    auto w = make_walloc(8u << 20);
    walloc_handle a = walloc_alloc(w.get(), 256, WALLOC_TIER_MIDDLE);
    uint8_t buf[512] = {};
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_MIDDLE);
    uint64_t past = a + s.bump_head; // first byte the tier has not handed out
    EXPECT_EQ(walloc_write(w.get(), a, nullptr, 4), WALLOC_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(walloc_read(w.get(), a, nullptr, 4), WALLOC_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(walloc_write(nullptr, a, buf, 4), WALLOC_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(walloc_write(w.get(), past, buf, 1), WALLOC_ERR_OUT_OF_BOUNDS);
    EXPECT_EQ(walloc_write(w.get(), past - 4, buf, 8), WALLOC_ERR_OUT_OF_BOUNDS);
    EXPECT_EQ(walloc_read(w.get(), a, buf, UINT64_MAX), WALLOC_ERR_OUT_OF_BOUNDS);
    EXPECT_EQ(walloc_read(w.get(), 1ull << 45, buf, 1), WALLOC_ERR_INVALID_HANDLE);
    EXPECT_EQ(walloc_copy(w.get(), a, past, 8), WALLOC_ERR_OUT_OF_BOUNDS);
    EXPECT_EQ(walloc_copy(w.get(), WALLOC_NULL, a, 8), WALLOC_ERR_INVALID_HANDLE);
    EXPECT_EQ(walloc_ptr(w.get(), past), nullptr);
    EXPECT_EQ(walloc_ptr(w.get(), WALLOC_NULL), nullptr);
    EXPECT_EQ(walloc_ptr(nullptr, a), nullptr);
    EXPECT_EQ(walloc_check_range(w.get(), a, 256), WALLOC_OK);
    EXPECT_EQ(walloc_check_range(w.get(), past - 8, 8), WALLOC_OK);
    EXPECT_EQ(walloc_check_range(w.get(), past - 4, 8), WALLOC_ERR_OUT_OF_BOUNDS);
    EXPECT_EQ(walloc_check_range(w.get(), past, 0), WALLOC_ERR_OUT_OF_BOUNDS);
    EXPECT_EQ(walloc_check_range(w.get(), a, UINT64_MAX), WALLOC_ERR_OUT_OF_BOUNDS);
    EXPECT_EQ(walloc_check_range(w.get(), 1ull << 45, 1), WALLOC_ERR_INVALID_HANDLE);
    EXPECT_EQ(walloc_check_range(w.get(), WALLOC_NULL, 0), WALLOC_ERR_INVALID_HANDLE);
    EXPECT_EQ(walloc_check_range(nullptr, a, 1), WALLOC_ERR_INVALID_ARGUMENT);
    walloc_tier t;
    EXPECT_EQ(walloc_tier_of(w.get(), past, &t), WALLOC_ERR_INVALID_HANDLE);
    EXPECT_EQ(walloc_tier_of(w.get(), a, nullptr), WALLOC_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(walloc_free(w.get(), a, 256), WALLOC_OK);
}

TEST(Access, FillSetsExactlyItsRangeAndRefusesWhatIsOutside)
{
    auto w = make_walloc(8u << 20);
    walloc_handle a = walloc_alloc(w.get(), 5000, WALLOC_TIER_TOP);
    ASSERT_NE(a, WALLOC_NULL);
    auto *p = static_cast<uint8_t *>(walloc_ptr(w.get(), a));
    memset(p, 0x11, 5000);
    ASSERT_EQ(walloc_fill(w.get(), a + 7, 0xEE, 4000), WALLOC_OK);
    for (size_t i = 0; i < 5000; i++)
        ASSERT_EQ(p[i], i >= 7 && i < 4007 ? 0xEE : 0x11) << i;
    EXPECT_EQ(walloc_fill(w.get(), a, 0, 0), WALLOC_OK);
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_TOP);
    uint64_t past = a + s.bump_head; // first byte the tier has not handed out
    EXPECT_EQ(walloc_fill(w.get(), past - 4, 0, 8), WALLOC_ERR_OUT_OF_BOUNDS);
    EXPECT_EQ(walloc_fill(w.get(), a, 0, UINT64_MAX), WALLOC_ERR_OUT_OF_BOUNDS);
    EXPECT_EQ(walloc_fill(w.get(), WALLOC_NULL, 0, 1), WALLOC_ERR_INVALID_HANDLE);
    EXPECT_EQ(walloc_fill(nullptr, a, 0, 1), WALLOC_ERR_INVALID_ARGUMENT);
    for (size_t i = 0; i < 5000; i++) // refused fills wrote nothing
        ASSERT_EQ(p[i], i >= 7 && i < 4007 ? 0xEE : 0x11) << i;
}

TEST(Access, BulkCopyValidatesEveryEntryBeforeCopyingAny)
{
    auto w = make_walloc();
    walloc_handle a = walloc_alloc(w.get(), 64, WALLOC_TIER_BOTTOM);
    walloc_handle b = walloc_alloc(w.get(), 64, WALLOC_TIER_BOTTOM);
    walloc_handle c = walloc_alloc(w.get(), 64, WALLOC_TIER_BOTTOM);
    uint8_t one[64], zero[64] = {};
    std::memset(one, 1, sizeof one);
    walloc_write(w.get(), a, one, 64);
    walloc_write(w.get(), b, zero, 64);
    walloc_write(w.get(), c, zero, 64);
    walloc_copy_op ops[] = {{b, a, 64}, {c, a, 64}, {c, 1ull << 45, 64}};
    size_t bad = 99;
    EXPECT_EQ(walloc_bulk_copy(w.get(), ops, 3, &bad), WALLOC_ERR_INVALID_HANDLE);
    EXPECT_EQ(bad, 2u);
    uint8_t got[64];
    walloc_read(w.get(), b, got, 64);
    EXPECT_EQ(std::memcmp(got, zero, 64), 0) << "an entry was copied before validation finished";
    EXPECT_EQ(walloc_bulk_copy(w.get(), ops, 2, &bad), WALLOC_OK);
    walloc_read(w.get(), c, got, 64);
    EXPECT_EQ(std::memcmp(got, one, 64), 0);
    EXPECT_EQ(walloc_bulk_copy(w.get(), nullptr, 0, nullptr), WALLOC_OK);
    EXPECT_EQ(walloc_bulk_copy(w.get(), nullptr, 1, nullptr), WALLOC_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(walloc_bulk_copy(nullptr, ops, 1, nullptr), WALLOC_ERR_INVALID_ARGUMENT);
}

TEST(Reset, ForgetsEverythingInOneTierOnly)
{
    auto w = make_walloc(16u << 20, 1);
    walloc_handle keep = walloc_alloc(w.get(), 100, WALLOC_TIER_TOP);
    std::vector<walloc_handle> hs;
    for (int i = 0; i < 100; i++)
        hs.push_back(walloc_alloc(w.get(), 1000, WALLOC_TIER_BOTTOM));
    walloc_free(w.get(), hs[0], 1000);
    ASSERT_EQ(walloc_reset_tier(w.get(), WALLOC_TIER_BOTTOM), WALLOC_OK);
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    EXPECT_EQ(s.bump_head, 0u);
    EXPECT_EQ(s.live_bytes, 0u);
    EXPECT_EQ(s.live_blocks, 0u);
    EXPECT_EQ(s.free_bytes, 0u);
    EXPECT_EQ(s.resets, 1u);
    EXPECT_EQ(s.total_allocs, 100u); // totals survive resets
    EXPECT_GT(s.peak, 0u);
    EXPECT_EQ(walloc_free(w.get(), hs[1], 1000), WALLOC_ERR_OUT_OF_BOUNDS); // gone
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_TOP).live_blocks, 1u);
    EXPECT_EQ(walloc_free(w.get(), keep, 100), WALLOC_OK);
    // The tier starts again from its beginning.
    EXPECT_EQ(walloc_alloc(w.get(), 1000, WALLOC_TIER_BOTTOM), hs[0]);
    EXPECT_EQ(walloc_reset_tier(w.get(), (walloc_tier)5), WALLOC_ERR_INVALID_TIER);
    EXPECT_EQ(walloc_reset_tier(nullptr, WALLOC_TIER_TOP), WALLOC_ERR_INVALID_ARGUMENT);
}

TEST(Compact, KeepsBlocksBelowKeepUntouched)
{
    auto w = make_walloc(16u << 20, 1);
    const uint64_t n = 64, size = 1024;
    std::vector<walloc_handle> hs;
    for (uint64_t i = 0; i < n; i++) {
        walloc_handle h = walloc_alloc(w.get(), size, WALLOC_TIER_MIDDLE);
        fill_pattern((uint8_t *)walloc_ptr(w.get(), h), size, h);
        hs.push_back(h);
    }
    walloc_stats before = stats_of(w.get(), WALLOC_TIER_MIDDLE);
    uint64_t base = hs[0];
    // Keep the first half of what was handed out.
    uint64_t keep = before.bump_head / 2;
    ASSERT_EQ(walloc_compact_tier(w.get(), WALLOC_TIER_MIDDLE, keep), WALLOC_OK);
    walloc_stats after = stats_of(w.get(), WALLOC_TIER_MIDDLE);
    EXPECT_EQ(after.bump_head, keep);
    uint64_t kept = 0;
    for (walloc_handle h : hs) {
        if (h + size <= base + keep) {
            kept++;
            EXPECT_TRUE(check_pattern((const uint8_t *)walloc_ptr(w.get(), h), size, h));
        } else if (h >= base + keep) {
            EXPECT_EQ(walloc_free(w.get(), h, size), WALLOC_ERR_OUT_OF_BOUNDS);
        }
    }
    EXPECT_GT(kept, 0u);
    EXPECT_EQ(after.live_blocks, kept); // checked mode counts exactly
    // New blocks come from above keep, never over a kept one.
    walloc_handle fresh = walloc_alloc(w.get(), size, WALLOC_TIER_MIDDLE);
    EXPECT_GE(fresh, base + keep);
    for (walloc_handle h : hs)
        if (h + size <= base + keep)
            EXPECT_EQ(walloc_free(w.get(), h, size), WALLOC_OK);
    // keep beyond the head leaves the head where it is, and every block as it was: free blocks
    // stay free for reuse.
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_MIDDLE);
    ASSERT_EQ(walloc_compact_tier(w.get(), WALLOC_TIER_MIDDLE, UINT64_MAX), WALLOC_OK);
    walloc_stats same = stats_of(w.get(), WALLOC_TIER_MIDDLE);
    EXPECT_EQ(same.bump_head, s.bump_head);
    EXPECT_EQ(same.free_bytes, s.free_bytes);
    EXPECT_EQ(same.live_blocks, s.live_blocks);
    EXPECT_EQ(walloc_compact_tier(w.get(), (walloc_tier)9, 0), WALLOC_ERR_INVALID_TIER);
}

TEST(Stats, FiguresAddUp)
{
    auto w = make_walloc(16u << 20, 0);
    walloc_stats s0 = stats_of(w.get(), WALLOC_TIER_TOP);
    EXPECT_EQ(s0.committed, 0u); // nothing committed before first use
    std::vector<walloc_handle> hs;
    for (int i = 0; i < 50; i++)
        hs.push_back(walloc_alloc(w.get(), 300, WALLOC_TIER_TOP)); // class 384
    for (int i = 0; i < 20; i++)
        walloc_free(w.get(), hs[i], 300);
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_TOP);
    EXPECT_EQ(s.total_allocs, 50u);
    EXPECT_EQ(s.total_frees, 20u);
    EXPECT_EQ(s.live_blocks, 30u);
    EXPECT_EQ(s.live_bytes, 30u * 384);
    EXPECT_EQ(s.live_bytes + s.free_bytes + s.wasted_bytes, s.bump_head);
    EXPECT_GE(s.committed, s.live_bytes + s.wasted_bytes);
    EXPECT_LE(s.committed, s.capacity);
    EXPECT_GE(s.peak, s.bump_head);
    EXPECT_EQ(s.max_class_size, 8192u);
    EXPECT_EQ(walloc_tier_stats(w.get(), (walloc_tier)3, &s), WALLOC_ERR_INVALID_TIER);
    EXPECT_EQ(walloc_tier_stats(w.get(), WALLOC_TIER_TOP, nullptr), WALLOC_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(walloc_tier_stats(nullptr, WALLOC_TIER_TOP, &s), WALLOC_ERR_INVALID_ARGUMENT);
}

TEST(Stats, FieldListNamesEveryFieldInDeclarationOrder)
{
    std::vector<size_t> offsets;
#define OFFSET_OF(f) offsets.push_back(offsetof(walloc_stats, f));
    WALLOC_STATS_FIELDS(OFFSET_OF)
#undef OFFSET_OF
    ASSERT_EQ(offsets.size(), 14u);
    EXPECT_EQ(offsets.front(), 0u);
    for (size_t i = 1; i < offsets.size(); i++)
        EXPECT_GT(offsets[i], offsets[i - 1]) << "field " << i;
}

TEST(Status, EveryStatusHasItsOwnText)
{
    std::set<std::string> seen;
    for (int s = WALLOC_OK; s <= WALLOC_ERR_INVALID_SIZE; s++) {
        std::string text = walloc_status_str((walloc_status)s);
        EXPECT_NE(text, "unknown status") << s;
        EXPECT_TRUE(seen.insert(text).second) << text;
    }
    EXPECT_STREQ(walloc_status_str(WALLOC_OK), "ok");
    EXPECT_STREQ(walloc_status_str((walloc_status)1000), "unknown status");
}

// Measured against bare reservations of the same size: natively those cost nothing, but under
// an emulator (qemu-user keeps page flags for every guest mapping) they cost megabytes that are
// the emulator's, not Walloc's.
TEST(Memory, AnUntouchedInstanceCostsAlmostNoRam)
{
    auto rss_kib = test_platform::process_rss_kib;
    long before = rss_kib();
    std::vector<void *> bare;
    for (int i = 0; i < 8; i++)
        bare.push_back(test_platform::reserve(256u << 20));
    const long bare_cost = rss_kib() - before;
    for (void *p : bare)
        test_platform::release(p, 256u << 20);

    before = rss_kib();
    std::vector<WallocPtr> many;
    for (int i = 0; i < 8; i++)
        many.push_back(make_walloc(256u << 20, 0)); // 2 GiB of capacity in all
    for (auto &w : many)
        ASSERT_TRUE(w);
    long after = rss_kib();
    EXPECT_LT(after - before - bare_cost, 2048)
        << "8 x 256 MiB instances took " << (after - before) << " KiB, bare reservations " << bare_cost;
    // Using one block commits only around it.
    walloc_handle h = walloc_alloc(many[0].get(), 1 << 20, WALLOC_TIER_TOP);
    ASSERT_NE(h, WALLOC_NULL);
    EXPECT_LE(stats_of(many[0].get(), WALLOC_TIER_TOP).committed, 2u << 20);
}
