// Per-thread caches of an unchecked instance (the only mode with fast paths): totals derived
// from the bins' push and pop counts add up through overflow, refill, cross-thread frees and
// thread exit; a reset or compact makes every thread drop what it cached for the tier.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "walloc_fixture.h"

namespace {

constexpr uint64_t kSize = 64;

std::vector<walloc_handle> alloc_n(walloc *w, size_t n, walloc_tier tier, uint64_t size = kSize)
{
    std::vector<walloc_handle> v;
    for (size_t i = 0; i < n; i++) {
        walloc_handle h = walloc_alloc(w, size, tier);
        EXPECT_NE(h, WALLOC_NULL) << "allocation " << i;
        v.push_back(h);
    }
    return v;
}

void free_all(walloc *w, const std::vector<walloc_handle> &v, uint64_t size = kSize)
{
    for (walloc_handle h : v)
        ASSERT_EQ(walloc_free(w, h, size), WALLOC_OK);
}

void expect_balanced(const walloc_stats &s, uint64_t allocs, uint64_t frees, uint64_t block)
{
    EXPECT_EQ(s.total_allocs, allocs);
    EXPECT_EQ(s.total_frees, frees);
    EXPECT_EQ(s.live_blocks, allocs - frees);
    EXPECT_EQ(s.live_bytes, (allocs - frees) * block);
    EXPECT_EQ(s.live_bytes + s.free_bytes + s.wasted_bytes, s.bump_head);
}

// No two handles equal (all blocks have the same size, so distinct handles do not overlap).
void expect_distinct(std::vector<walloc_handle> v)
{
    std::sort(v.begin(), v.end());
    EXPECT_EQ(std::adjacent_find(v.begin(), v.end()), v.end()) << "a block was handed out twice";
}

} // namespace

TEST(ThreadCache, TotalsAddUpThroughOverflowAndRefill)
{
    auto w = make_walloc(256u << 20, 0);
    // 5000 blocks overflow a bin (at most 2048 blocks) several times on free, and the second
    // round refills from the shared freelist.
    auto a = alloc_n(w.get(), 5000, WALLOC_TIER_BOTTOM);
    free_all(w.get(), a);
    expect_balanced(stats_of(w.get(), WALLOC_TIER_BOTTOM), 5000, 5000, kSize);
    auto b = alloc_n(w.get(), 5000, WALLOC_TIER_BOTTOM);
    expect_distinct(b);
    free_all(w.get(), std::vector<walloc_handle>(b.begin(), b.begin() + 3000));
    expect_balanced(stats_of(w.get(), WALLOC_TIER_BOTTOM), 10000, 8000, kSize);
    free_all(w.get(), std::vector<walloc_handle>(b.begin() + 3000, b.end()));
    expect_balanced(stats_of(w.get(), WALLOC_TIER_BOTTOM), 10000, 10000, kSize);
}

TEST(ThreadCache, CrossThreadFreesAndThreadExitKeepTotals)
{
    auto w = make_walloc(256u << 20, 0);
    std::vector<walloc_handle> a;
    std::thread([&] { a = alloc_n(w.get(), 3000, WALLOC_TIER_MIDDLE); }).join();
    // The allocating thread has exited: what its cache held went back, its counts stayed.
    expect_balanced(stats_of(w.get(), WALLOC_TIER_MIDDLE), 3000, 0, kSize);
    std::thread([&] { free_all(w.get(), a); }).join();
    expect_balanced(stats_of(w.get(), WALLOC_TIER_MIDDLE), 3000, 3000, kSize);
    // The freed blocks are reusable by a third thread (here: this one), none twice.
    auto b = alloc_n(w.get(), 3000, WALLOC_TIER_MIDDLE);
    expect_distinct(b);
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_MIDDLE);
    EXPECT_EQ(s.bump_head, stats_of(w.get(), WALLOC_TIER_MIDDLE).peak);
    free_all(w.get(), b);
    expect_balanced(stats_of(w.get(), WALLOC_TIER_MIDDLE), 6000, 6000, kSize);
}

TEST(ThreadCache, ResetMakesThisThreadDropItsCachedBlocks)
{
    auto w = make_walloc(64u << 20, 0);
    auto a = alloc_n(w.get(), 500, WALLOC_TIER_BOTTOM);
    free_all(w.get(), a); // all 500 now sit in this thread's bin
    ASSERT_EQ(walloc_reset_tier(w.get(), WALLOC_TIER_BOTTOM), WALLOC_OK);
    // After the reset the bump head restarts at the tier's start, so the same addresses come
    // back from it; a stale bin would hand each of them out a second time.
    auto b = alloc_n(w.get(), 1000, WALLOC_TIER_BOTTOM);
    expect_distinct(b);
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    EXPECT_EQ(s.live_blocks, 1000u);
    EXPECT_EQ(s.live_bytes, 1000u * kSize);
}

TEST(ThreadCache, CompactMakesOtherThreadsDropTheirCachedBlocks)
{
    auto w = make_walloc(64u << 20, 0);
    walloc_handle keep = walloc_alloc(w.get(), kSize, WALLOC_TIER_BOTTOM);
    ASSERT_NE(keep, WALLOC_NULL);
    std::vector<walloc_handle> fresh, after;
    int phase = 0; // 1: the other thread has cached its blocks; 2: the tier was compacted
    std::mutex m;
    std::condition_variable cv;
    auto advance_to = [&](int p) {
        std::lock_guard<std::mutex> l(m);
        phase = p;
        cv.notify_all();
    };
    auto wait_for = [&](int p) {
        std::unique_lock<std::mutex> l(m);
        cv.wait(l, [&] { return phase >= p; });
    };
    std::thread other([&] {
        auto a = alloc_n(w.get(), 400, WALLOC_TIER_BOTTOM);
        free_all(w.get(), a); // cached in this thread's bin
        advance_to(1);
        wait_for(2);
        after = alloc_n(w.get(), 400, WALLOC_TIER_BOTTOM);
    });
    // Compact down to the one block kept while the other thread holds its bin (it is parked,
    // so nothing allocates in the tier concurrently, as the contract requires).
    wait_for(1);
    ASSERT_EQ(walloc_compact_tier(w.get(), WALLOC_TIER_BOTTOM, kSize), WALLOC_OK);
    fresh = alloc_n(w.get(), 400, WALLOC_TIER_BOTTOM);
    advance_to(2);
    other.join();
    std::vector<walloc_handle> all(fresh);
    all.insert(all.end(), after.begin(), after.end());
    all.push_back(keep);
    expect_distinct(all);
}

/* Statistics read while threads exit: an exiting thread moves its cache's totals into the tier
 * and unlinks the cache in one locked step, so a reader must see either the cache or the moved
 * totals, never neither (before the fix, the tier's counters were read outside that lock and the
 * live block count showed the exiting thread's frees as missing). Each worker frees what this
 * thread allocated; the reader checks only while the worker has finished its calls and exits. */
TEST(ThreadCache, StatisticsStayExactWhileThreadsExit)
{
    auto w = make_walloc(64u << 20, 0);
    std::atomic<int> phase{0}; // 1: the worker's calls are done, 2: joined
    long reads = 0, wrong = 0;
    for (int i = 0; i < 400; i++) {
        phase = 0;
        walloc_handle h[8]; // allocated here, freed by the worker: its cache counts frees only
        for (auto &x : h)
            x = walloc_alloc(w.get(), 64, WALLOC_TIER_BOTTOM);
        std::thread worker([&] {
            for (auto x : h)
                ASSERT_EQ(walloc_free(w.get(), x, 64), WALLOC_OK);
            phase = 1;
        });
        while (phase.load() == 0) {
        }
        std::thread joiner([&] { worker.join(); phase = 2; });
        while (phase.load() == 1) {
            walloc_stats s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
            reads++;
            wrong += s.live_blocks != 0 || s.total_allocs != s.total_frees;
        }
        joiner.join();
    }
    EXPECT_EQ(wrong, 0) << "of " << reads << " reads while threads exited";
}
