// The allocation profile (walloc_config.profile): exact counts at rate 1 (they add up to the
// tiers' statistics), sampled counts within statistical bounds, frees, resets and compactions
// taking samples off the right sites, the site table's overflow, checked mode alongside.
#include "walloc_fixture.h"

#include <map>

namespace {

WallocPtr make_profiled(uint32_t rate, uint32_t sites = 0, int checked = 0, uint64_t capacity = 64u << 20)
{
    walloc_config c = walloc_config_default();
    c.capacity = capacity;
    c.checked = checked;
    c.profile = 1;
    c.profile_rate = rate;
    c.profile_sites = sites;
    return WallocPtr(walloc_create(&c));
}

struct Profile {
    std::map<uint64_t, walloc_profile_site> sites;
    walloc_profile_info info;
};

Profile snapshot(walloc *w)
{
    Profile p{};
    size_t count = 0;
    EXPECT_EQ(walloc_profile_snapshot(w, nullptr, 0, &count, &p.info), WALLOC_OK);
    std::vector<walloc_profile_site> out(count + 1);
    size_t again = 0;
    EXPECT_EQ(walloc_profile_snapshot(w, out.data(), out.size(), &again, nullptr), WALLOC_OK);
    EXPECT_EQ(again, count);
    for (size_t i = 0; i < again; i++)
        p.sites[out[i].site] = out[i];
    return p;
}

// At rate 1 every live block is a sample: the sites of a tier add up to its statistics.
void expect_sites_add_up(walloc *w)
{
    Profile p = snapshot(w);
    for (walloc_tier t : kTiers) {
        uint64_t blocks = 0, bytes = 0;
        for (auto &[site, s] : p.sites)
            blocks += s.live_blocks[t], bytes += s.live_bytes[t];
        walloc_stats st = stats_of(w, t);
        EXPECT_EQ(blocks, st.live_blocks) << "tier " << t;
        EXPECT_EQ(bytes, st.live_bytes) << "tier " << t;
    }
}

// Two call sites of walloc_alloc: the asm keeps each call from becoming a tail call (its return
// address is in here) and, naming K, keeps the compiler from folding the two into one function.
template <int K>
__attribute__((noinline)) walloc_handle alloc_at(walloc *w, uint64_t n, walloc_tier t)
{
    walloc_handle h = walloc_alloc(w, n, t);
    asm volatile("" ::"r"(K) : "memory");
    return h;
}
constexpr auto alloc_here_a = alloc_at<1>;
constexpr auto alloc_here_b = alloc_at<2>;

TEST(Profile, OffHasNoProfileAndConfigBoundsSites)
{
    auto w = make_walloc(64u << 20, 0);
    size_t count = 7;
    EXPECT_EQ(walloc_profile_snapshot(w.get(), nullptr, 0, &count, nullptr), WALLOC_ERR_INVALID_CONFIG);
    EXPECT_EQ(walloc_profile_snapshot(nullptr, nullptr, 0, &count, nullptr), WALLOC_ERR_INVALID_ARGUMENT);
    walloc_handle h = walloc_alloc_site(w.get(), 100, WALLOC_TIER_BOTTOM, 5); // plain walloc_alloc
    ASSERT_NE(h, WALLOC_NULL);
    EXPECT_EQ(walloc_free(w.get(), h, 100), WALLOC_OK);
    walloc_config c = walloc_config_default();
    c.profile = 1;
    c.profile_sites = (1u << 20) + 1;
    EXPECT_EQ(walloc_config_validate(&c), WALLOC_ERR_INVALID_CONFIG);
    EXPECT_EQ(walloc_create(&c), nullptr);
    auto p = make_profiled(0);
    ASSERT_TRUE(p);
    EXPECT_EQ(walloc_profile_snapshot(p.get(), nullptr, 1, &count, nullptr), WALLOC_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(walloc_profile_snapshot(p.get(), nullptr, 0, nullptr, nullptr), WALLOC_ERR_INVALID_ARGUMENT);
}

TEST(Profile, RateOneCountsEveryAllocationAtItsReturnAddress)
{
    auto w = make_profiled(1);
    ASSERT_TRUE(w);
    std::vector<std::pair<walloc_handle, uint64_t>> a, b;
    for (int i = 0; i < 300; i++)
        a.push_back({alloc_here_a(w.get(), 24 + i % 200, WALLOC_TIER_MIDDLE), 24 + i % 200});
    for (int i = 0; i < 7; i++)
        b.push_back({alloc_here_b(w.get(), 20000, WALLOC_TIER_TOP), 20000}); // large blocks
    Profile p = snapshot(w.get());
    ASSERT_EQ(p.sites.size(), 2u);
    EXPECT_EQ(p.info.rate, 1u);
    EXPECT_EQ(p.info.max_sites, 1024u);
    EXPECT_EQ(p.info.sites, 2u);
    uint64_t bytes_a = 0;
    for (auto &[h, n] : a)
        bytes_a += walloc_block_size(w.get(), WALLOC_TIER_MIDDLE, n);
    bool seen_a = false, seen_b = false;
    for (auto &[site, s] : p.sites) {
        EXPECT_NE(site, 0u);
        if (s.allocs[WALLOC_TIER_MIDDLE] == 300) {
            seen_a = true;
            EXPECT_EQ(s.live_blocks[WALLOC_TIER_MIDDLE], 300u);
            EXPECT_EQ(s.live_bytes[WALLOC_TIER_MIDDLE], bytes_a);
            EXPECT_EQ(s.allocs[WALLOC_TIER_TOP], 0u);
        } else {
            seen_b = true;
            EXPECT_EQ(s.allocs[WALLOC_TIER_TOP], 7u);
            EXPECT_EQ(s.live_bytes[WALLOC_TIER_TOP], 7 * walloc_block_size(w.get(), WALLOC_TIER_TOP, 20000));
        }
    }
    EXPECT_TRUE(seen_a && seen_b);
    expect_sites_add_up(w.get());
    for (auto &[h, n] : a)
        ASSERT_EQ(walloc_free(w.get(), h, n), WALLOC_OK);
    for (auto &[h, n] : b)
        ASSERT_EQ(walloc_free(w.get(), h, n), WALLOC_OK);
    p = snapshot(w.get());
    for (auto &[site, s] : p.sites) {
        for (walloc_tier t : kTiers) {
            EXPECT_EQ(s.live_blocks[t], 0u);
            EXPECT_EQ(s.live_bytes[t], 0u);
        }
        EXPECT_EQ(s.allocs[WALLOC_TIER_MIDDLE] + s.allocs[WALLOC_TIER_TOP], s.allocs[WALLOC_TIER_MIDDLE] ? 300u : 7u);
    }
}

TEST(Profile, HostSitesAreRecordedWhateverTheRateAndPlainAllocationsAreNot)
{
    auto w = make_profiled(0);
    ASSERT_TRUE(w);
    std::vector<walloc_handle> plain, sampled;
    for (int i = 0; i < 1000; i++)
        plain.push_back(walloc_alloc(w.get(), 64, WALLOC_TIER_BOTTOM));
    for (int i = 0; i < 10; i++)
        sampled.push_back(walloc_alloc_site(w.get(), 64, WALLOC_TIER_BOTTOM, 42));
    Profile p = snapshot(w.get());
    ASSERT_EQ(p.sites.size(), 1u);
    const walloc_profile_site &s = p.sites.at(42);
    EXPECT_EQ(s.allocs[WALLOC_TIER_BOTTOM], 10u);
    EXPECT_EQ(s.live_blocks[WALLOC_TIER_BOTTOM], 10u);
    EXPECT_EQ(s.live_bytes[WALLOC_TIER_BOTTOM], 10 * walloc_block_size(w.get(), WALLOC_TIER_BOTTOM, 64));
    // Freed through every path: the fast path's free list is the caller's own spans only, a
    // sample's free (any size in its class) finds its record.
    for (int i = 0; i < 10; i++)
        ASSERT_EQ(walloc_free(w.get(), sampled[i], i % 2 ? 64 : 57), WALLOC_OK);
    for (walloc_handle h : plain)
        ASSERT_EQ(walloc_free(w.get(), h, 64), WALLOC_OK);
    p = snapshot(w.get());
    EXPECT_EQ(p.sites.at(42).live_blocks[WALLOC_TIER_BOTTOM], 0u);
    EXPECT_EQ(p.sites.at(42).live_bytes[WALLOC_TIER_BOTTOM], 0u);
    EXPECT_EQ(p.sites.at(42).allocs[WALLOC_TIER_BOTTOM], 10u);
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_BOTTOM).live_blocks, 0u);
}

TEST(Profile, SampledCountsStayWithinStatisticalBounds)
{
    // Gaps are uniform in [1, 2 rate - 1]: over n allocations about n / rate samples, with a
    // standard deviation near sqrt(n (rate^2 / 3) / rate^3) (26 for these figures): 5 % is 4 of them.
    constexpr uint32_t rate = 100;
    constexpr uint64_t n = 200000;
    auto w = make_profiled(rate);
    ASSERT_TRUE(w);
    uint64_t live_expected = 0;
    std::vector<walloc_handle> keep;
    for (uint64_t i = 0; i < n; i++) {
        walloc_handle h = alloc_here_a(w.get(), 48, WALLOC_TIER_BOTTOM);
        ASSERT_NE(h, WALLOC_NULL);
        if (i % 4 == 0)
            keep.push_back(h);
        else
            ASSERT_EQ(walloc_free(w.get(), h, 48), WALLOC_OK);
    }
    live_expected = keep.size() / rate;
    Profile p = snapshot(w.get());
    ASSERT_EQ(p.sites.size(), 1u);
    const walloc_profile_site &s = p.sites.begin()->second;
    EXPECT_NEAR((double)s.allocs[WALLOC_TIER_BOTTOM], (double)(n / rate), 0.05 * (n / rate));
    EXPECT_NEAR((double)s.live_blocks[WALLOC_TIER_BOTTOM], (double)live_expected, 0.15 * live_expected);
    for (walloc_handle h : keep)
        ASSERT_EQ(walloc_free(w.get(), h, 48), WALLOC_OK);
    EXPECT_EQ(snapshot(w.get()).sites.begin()->second.live_blocks[WALLOC_TIER_BOTTOM], 0u);
}

TEST(Profile, ResetAndCompactTakeOffTheSamplesTheyRelease)
{
    auto w = make_profiled(1);
    ASSERT_TRUE(w);
    // Middle: small and large samples; Bottom: untouched by the Middle's rewinds.
    std::vector<walloc_handle> mid;
    for (int i = 0; i < 200; i++)
        mid.push_back(walloc_alloc_site(w.get(), i % 3 ? 100 : 9000, WALLOC_TIER_MIDDLE, 1 + i % 2));
    walloc_handle bottom = walloc_alloc_site(w.get(), 32, WALLOC_TIER_BOTTOM, 1);
    ASSERT_NE(bottom, WALLOC_NULL);
    expect_sites_add_up(w.get());
    uint64_t head = stats_of(w.get(), WALLOC_TIER_MIDDLE).bump_head;
    ASSERT_EQ(walloc_compact_tier(w.get(), WALLOC_TIER_MIDDLE, head / 2), WALLOC_OK);
    expect_sites_add_up(w.get()); // what the compaction kept is what the sites keep
    Profile p = snapshot(w.get());
    EXPECT_GT(p.sites.at(1).live_blocks[WALLOC_TIER_MIDDLE] + p.sites.at(2).live_blocks[WALLOC_TIER_MIDDLE], 0u);
    EXPECT_LT(p.sites.at(1).live_blocks[WALLOC_TIER_MIDDLE] + p.sites.at(2).live_blocks[WALLOC_TIER_MIDDLE], 200u);
    ASSERT_EQ(walloc_reset_tier(w.get(), WALLOC_TIER_MIDDLE), WALLOC_OK);
    p = snapshot(w.get());
    for (uint64_t site : {1u, 2u}) {
        EXPECT_EQ(p.sites.at(site).live_blocks[WALLOC_TIER_MIDDLE], 0u);
        EXPECT_EQ(p.sites.at(site).live_bytes[WALLOC_TIER_MIDDLE], 0u);
        EXPECT_EQ(p.sites.at(site).allocs[WALLOC_TIER_MIDDLE], 100u);
    }
    EXPECT_EQ(p.sites.at(1).live_blocks[WALLOC_TIER_BOTTOM], 1u);
    expect_sites_add_up(w.get());
    // The tier is used again: new samples count, the old ones are gone for good.
    walloc_handle again = walloc_alloc_site(w.get(), 100, WALLOC_TIER_MIDDLE, 2);
    EXPECT_EQ(snapshot(w.get()).sites.at(2).live_blocks[WALLOC_TIER_MIDDLE], 1u);
    EXPECT_EQ(walloc_free(w.get(), again, 100), WALLOC_OK);
    EXPECT_EQ(walloc_free(w.get(), bottom, 32), WALLOC_OK);
    expect_sites_add_up(w.get());
}

TEST(Profile, AFullSiteTableCountsTheRestAtOther)
{
    auto w = make_profiled(1, 4);
    ASSERT_TRUE(w);
    std::vector<walloc_handle> hs;
    for (uint64_t site = 1; site <= 10; site++)
        for (int i = 0; i < 3; i++)
            hs.push_back(walloc_alloc_site(w.get(), 200, WALLOC_TIER_TOP, site));
    Profile p = snapshot(w.get());
    EXPECT_EQ(p.info.max_sites, 4u);
    EXPECT_EQ(p.info.sites, 5u);
    EXPECT_EQ(p.info.overflow_samples, 18u);
    ASSERT_EQ(p.sites.count(WALLOC_SITE_OTHER), 1u);
    EXPECT_EQ(p.sites.at(WALLOC_SITE_OTHER).live_blocks[WALLOC_TIER_TOP], 18u);
    for (uint64_t site = 1; site <= 4; site++)
        EXPECT_EQ(p.sites.at(site).allocs[WALLOC_TIER_TOP], 3u);
    expect_sites_add_up(w.get());
    for (walloc_handle h : hs)
        ASSERT_EQ(walloc_free(w.get(), h, 200), WALLOC_OK);
    EXPECT_EQ(snapshot(w.get()).sites.at(WALLOC_SITE_OTHER).live_bytes[WALLOC_TIER_TOP], 0u);
    // A snapshot with less room than sites says how many there are and fills what fits.
    walloc_profile_site two[2];
    size_t count = 0;
    ASSERT_EQ(walloc_profile_snapshot(w.get(), two, 2, &count, nullptr), WALLOC_OK);
    EXPECT_EQ(count, 5u);
    EXPECT_NE(two[0].site, two[1].site);
}

TEST(Profile, CheckedModeStillFindsBadFreesOfSamples)
{
    auto w = make_profiled(1, 0, 1);
    ASSERT_TRUE(w);
    walloc_handle h = walloc_alloc_site(w.get(), 64, WALLOC_TIER_MIDDLE, 3);
    walloc_handle big = walloc_alloc_site(w.get(), 50000, WALLOC_TIER_MIDDLE, 3);
    ASSERT_EQ(walloc_free(w.get(), h, 65), WALLOC_ERR_SIZE_MISMATCH);
    EXPECT_EQ(snapshot(w.get()).sites.at(3).live_blocks[WALLOC_TIER_MIDDLE], 2u); // a refused free changes nothing
    ASSERT_EQ(walloc_free(w.get(), h, 64), WALLOC_OK);
    EXPECT_EQ(walloc_free(w.get(), h, 64), WALLOC_ERR_DOUBLE_FREE);
    ASSERT_EQ(walloc_free(w.get(), big, 50000), WALLOC_OK);
    EXPECT_EQ(walloc_free(w.get(), big, 50000), WALLOC_ERR_DOUBLE_FREE);
    Profile p = snapshot(w.get());
    EXPECT_EQ(p.sites.at(3).live_blocks[WALLOC_TIER_MIDDLE], 0u);
    EXPECT_EQ(p.sites.at(3).allocs[WALLOC_TIER_MIDDLE], 2u);
    expect_sites_add_up(w.get());
}

TEST(Profile, SamplesFillingATierComeBackWhole)
{
    // Out of room at rate 1: every span is the sampler's; then all of it is freed and used
    // again by plain allocations of another instance's rate (none).
    auto w = make_profiled(1, 0, 0, 1u << 20);
    ASSERT_TRUE(w);
    std::vector<std::pair<walloc_handle, uint64_t>> live;
    for (uint64_t i = 0;; i++) {
        uint64_t n = 16 + (i * 97) % 3000;
        walloc_handle h = walloc_alloc(w.get(), n, WALLOC_TIER_BOTTOM);
        if (h == WALLOC_NULL)
            break;
        live.push_back({h, n});
    }
    ASSERT_GT(live.size(), 50u);
    expect_sites_add_up(w.get());
    for (auto &[h, n] : live)
        ASSERT_EQ(walloc_free(w.get(), h, n), WALLOC_OK);
    expect_sites_add_up(w.get());
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_BOTTOM).live_blocks, 0u);
    walloc_handle big = walloc_alloc(w.get(), stats_of(w.get(), WALLOC_TIER_BOTTOM).capacity / 2, WALLOC_TIER_BOTTOM);
    EXPECT_NE(big, WALLOC_NULL); // the samples' spans went back to the tier
}

} // namespace

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define UNPOISON(p, n) __asan_unpoison_memory_region(p, n)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define UNPOISON(p, n) __asan_unpoison_memory_region(p, n)
#endif
#endif
#ifndef UNPOISON
#define UNPOISON(p, n) ((void)0)
#endif

namespace {

// A write into a freed sample that makes the sampler's free list hand out a live sample: checked
// mode keeps away from it (its record too), and the sites still add up.
TEST(Profile, ACorruptedFreeListOfTheSamplerNeitherLoopsNorDoubleCounts)
{
    auto w = make_profiled(1, 0, 1);
    ASSERT_TRUE(w);
    walloc_handle a = walloc_alloc_site(w.get(), 64, WALLOC_TIER_MIDDLE, 1);
    walloc_handle b = walloc_alloc_site(w.get(), 64, WALLOC_TIER_MIDDLE, 1);
    *(uint64_t *)walloc_ptr(w.get(), a) = a; // a's own first word names a: a list through a loops
    ASSERT_EQ(walloc_free(w.get(), b, 64), WALLOC_OK);
    uint64_t *link = (uint64_t *)walloc_ptr(w.get(), b);
    UNPOISON(link, sizeof *link);
    *link = a; // freed b now links to live a
    std::vector<walloc_handle> got;
    for (int i = 0; i < 4; i++)
        got.push_back(walloc_alloc_site(w.get(), 64, WALLOC_TIER_MIDDLE, 2));
    for (walloc_handle h : got) {
        ASSERT_NE(h, WALLOC_NULL);
        EXPECT_NE(h, a) << "a live sample handed out again";
    }
    Profile p = snapshot(w.get());
    EXPECT_EQ(p.sites.at(1).live_blocks[WALLOC_TIER_MIDDLE], 1u);
    EXPECT_EQ(p.sites.at(2).live_blocks[WALLOC_TIER_MIDDLE], 4u);
    // (The statistics count the block taken twice as used until a reset: not compared here.)
    for (walloc_handle h : got)
        ASSERT_EQ(walloc_free(w.get(), h, 64), WALLOC_OK);
    ASSERT_EQ(walloc_free(w.get(), a, 64), WALLOC_OK);
    p = snapshot(w.get());
    EXPECT_EQ(p.sites.at(1).live_blocks[WALLOC_TIER_MIDDLE], 0u);
    EXPECT_EQ(p.sites.at(2).live_blocks[WALLOC_TIER_MIDDLE], 0u);
    EXPECT_EQ(p.sites.at(2).live_bytes[WALLOC_TIER_MIDDLE], 0u);
}

} // namespace
