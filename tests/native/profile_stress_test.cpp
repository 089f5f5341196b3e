// The allocation profile under threads: samples taken, freed by other threads and released by
// resets while other threads allocate, snapshots taken meanwhile. At rate 1 the sites add up
// to the statistics exactly once the threads are done; live blocks never overlap and keep
// their contents.
#include "walloc_fixture.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "stress_scale.h"

namespace {

struct Live {
    walloc_handle h;
    uint64_t size;
    walloc_tier tier;
    uint64_t seed;
};

__attribute__((noinline)) walloc_handle shared_site(walloc *w, uint64_t n, walloc_tier t)
{
    walloc_handle h = walloc_alloc(w, n, t);
    asm volatile("" ::: "memory"); // no tail call: the return address is this function's
    return h;
}

std::map<uint64_t, walloc_profile_site> sites_of(walloc *w, walloc_profile_info *info = nullptr)
{
    size_t count = 0;
    EXPECT_EQ(walloc_profile_snapshot(w, nullptr, 0, &count, nullptr), WALLOC_OK);
    std::vector<walloc_profile_site> out(count + 64); // room for sites added meanwhile
    EXPECT_EQ(walloc_profile_snapshot(w, out.data(), out.size(), &count, info), WALLOC_OK);
    std::map<uint64_t, walloc_profile_site> m;
    for (size_t i = 0; i < std::min(count, out.size()); i++)
        m[out[i].site] = out[i];
    return m;
}

void run(uint32_t rate, uint64_t ops)
{
    walloc_config c = walloc_config_default();
    c.capacity = 256u << 20;
    c.profile = 1;
    c.profile_rate = rate;
    WallocPtr w(walloc_create(&c));
    ASSERT_TRUE(w);
    constexpr int kThreads = 4;
    constexpr uint64_t kHostSite = 77;
    std::vector<std::mutex> box_lock(kThreads);
    std::vector<std::vector<Live>> box(kThreads), left(kThreads);
    std::atomic<uint64_t> host_sampled{0}, corrupt{0}, failed{0};
    std::atomic<bool> done{false};

    auto worker = [&](int id) {
        Rng rng(11 + id);
        std::vector<Live> mine;
        auto release = [&](const Live &b) {
            const uint8_t *p = (const uint8_t *)walloc_ptr(w.get(), b.h);
            if (p == nullptr || !check_pattern(p, std::min<uint64_t>(b.size, 64), b.seed))
                corrupt++;
            if (walloc_free(w.get(), b.h, b.size) != WALLOC_OK)
                failed++;
        };
        for (uint64_t i = 0; i < ops; i++) {
            uint64_t op = rng.below(100);
            if (op < 50 || mine.empty()) {
                uint64_t size = rng.below(50) ? 1 + rng.below(2000) : 9000 + rng.below(30000);
                walloc_tier t = rng.below(2) ? WALLOC_TIER_TOP : WALLOC_TIER_MIDDLE;
                bool host = rng.below(10) == 0;
                Live b{host ? walloc_alloc_site(w.get(), size, t, kHostSite) : shared_site(w.get(), size, t), size, t,
                       rng.next()};
                if (b.h == WALLOC_NULL) {
                    failed++;
                    continue;
                }
                host_sampled += host;
                fill_pattern((uint8_t *)walloc_ptr(w.get(), b.h), std::min<uint64_t>(size, 64), b.seed);
                mine.push_back(b);
            } else if (op < 85) {
                size_t k = rng.below(mine.size());
                release(mine[k]);
                mine[k] = mine.back();
                mine.pop_back();
            } else if (op < 95) { // another thread frees it
                size_t k = rng.below(mine.size());
                int to = (id + 1 + (int)rng.below(kThreads - 1)) % kThreads;
                std::lock_guard<std::mutex> g(box_lock[to]);
                box[to].push_back(mine[k]);
                mine[k] = mine.back();
                mine.pop_back();
            } else {
                std::vector<Live> got;
                {
                    std::lock_guard<std::mutex> g(box_lock[id]);
                    got.swap(box[id]);
                }
                for (const Live &b : got)
                    release(b);
            }
        }
        left[id] = std::move(mine);
    };
    // Bottom belongs to one thread that samples there and resets it, while the others sample
    // in Top and Middle: a reset's forgetting runs beside other tiers' samples.
    auto resetter = [&] {
        Rng rng(99);
        while (!done.load()) {
            for (int i = 0; i < 50; i++)
                walloc_alloc_site(w.get(), 1 + rng.below(5000), WALLOC_TIER_BOTTOM, 1 + rng.below(3));
            if (walloc_reset_tier(w.get(), WALLOC_TIER_BOTTOM) != WALLOC_OK)
                failed++;
        }
    };
    // Snapshots meanwhile: every site within its bounds.
    std::atomic<uint64_t> bad_snapshot{0};
    auto watcher = [&] {
        while (!done.load()) {
            for (auto &[site, s] : sites_of(w.get()))
                for (walloc_tier t : kTiers)
                    if (s.live_blocks[t] > s.allocs[t] || s.live_bytes[t] < s.live_blocks[t] * 8)
                        bad_snapshot++;
        }
    };
    std::vector<std::thread> pool;
    for (int i = 0; i < kThreads; i++)
        pool.emplace_back(worker, i);
    std::thread r(resetter), v(watcher);
    for (auto &t : pool)
        t.join();
    done = true;
    r.join();
    v.join();
    ASSERT_EQ(walloc_reset_tier(w.get(), WALLOC_TIER_BOTTOM), WALLOC_OK);

    std::vector<Live> all;
    for (int i = 0; i < kThreads; i++) {
        all.insert(all.end(), left[i].begin(), left[i].end());
        all.insert(all.end(), box[i].begin(), box[i].end());
    }
    std::sort(all.begin(), all.end(), [](const Live &a, const Live &b) { return a.h < b.h; });
    for (size_t i = 1; i < all.size(); i++)
        ASSERT_LE(all[i - 1].h + all[i - 1].size, all[i].h) << "live blocks overlap";
    EXPECT_EQ(corrupt.load(), 0u);
    EXPECT_EQ(failed.load(), 0u);
    EXPECT_EQ(bad_snapshot.load(), 0u);

    walloc_profile_info info;
    auto sites = sites_of(w.get(), &info);
    EXPECT_EQ(info.lost_samples, 0u);
    EXPECT_EQ(info.overflow_samples, 0u);
    ASSERT_EQ(sites.count(kHostSite), 1u);
    const walloc_profile_site &host = sites.at(kHostSite);
    EXPECT_EQ(host.allocs[WALLOC_TIER_TOP] + host.allocs[WALLOC_TIER_MIDDLE], host_sampled.load())
        << "every host-sampled allocation, from every thread, at its one site";
    for (walloc_tier t : kTiers) {
        uint64_t blocks = 0, bytes = 0;
        for (auto &[site, s] : sites)
            blocks += s.live_blocks[t], bytes += s.live_bytes[t];
        walloc_stats st = stats_of(w.get(), t);
        if (rate == 1) { // every block is a sample
            EXPECT_EQ(blocks, st.live_blocks) << "tier " << t;
            EXPECT_EQ(bytes, st.live_bytes) << "tier " << t;
        } else {
            EXPECT_LE(blocks, st.live_blocks) << "tier " << t;
        }
    }
    if (rate == 1) { // one walloc_alloc site for all threads: its allocations add up
        uint64_t plain = 0;
        for (auto &[site, s] : sites)
            if (site != kHostSite && site > 3)
                plain += s.allocs[WALLOC_TIER_TOP] + s.allocs[WALLOC_TIER_MIDDLE];
        uint64_t total = 0;
        for (walloc_tier t : {WALLOC_TIER_TOP, WALLOC_TIER_MIDDLE})
            total += stats_of(w.get(), t).total_allocs;
        EXPECT_EQ(plain + host_sampled.load(), total);
    }
    for (const Live &b : all)
        ASSERT_EQ(walloc_free(w.get(), b.h, b.size), WALLOC_OK);
    for (auto &[site, s] : sites_of(w.get()))
        for (walloc_tier t : kTiers) {
            EXPECT_EQ(s.live_blocks[t], 0u) << "site " << site << " tier " << t;
            EXPECT_EQ(s.live_bytes[t], 0u) << "site " << site << " tier " << t;
        }
}

TEST(ProfileStress, EveryAllocationSampledFromFourThreads)
{
    run(1, stress_iterations(60000));
}

TEST(ProfileStress, OneInSixteenSampledFromFourThreads)
{
    run(16, stress_iterations(150000));
}

} // namespace
