// Many threads, millions of operations, blocks filled with a per-block pattern and checked
// before every free, a share of blocks freed by a thread other than the one that allocated
// them; at the end no two live blocks overlap and the statistics add up.
#include "walloc_fixture.h"

#include <algorithm>
#include <atomic>
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

// Blocks carry their pattern in full up to 256 bytes, and at both ends beyond.
void stamp(walloc *w, const Live &b)
{
    uint8_t *p = (uint8_t *)walloc_ptr(w, b.h);
    if (b.size <= 256) {
        fill_pattern(p, b.size, b.seed);
    } else {
        fill_pattern(p, 128, b.seed);
        fill_pattern(p + b.size - 128, 128, b.seed + 1);
    }
}

bool intact(walloc *w, const Live &b)
{
    const uint8_t *p = (const uint8_t *)walloc_ptr(w, b.h);
    if (p == nullptr)
        return false;
    if (b.size <= 256)
        return check_pattern(p, b.size, b.seed);
    return check_pattern(p, 128, b.seed) && check_pattern(p + b.size - 128, 128, b.seed + 1);
}

struct Mailbox {
    std::mutex lock;
    std::vector<Live> blocks;
};

void run_stress(int threads, uint64_t ops_per_thread, bool checked)
{
    auto w = make_walloc(512u << 20, checked);
    ASSERT_TRUE(w);
    std::vector<Mailbox> mail(threads);
    std::vector<std::vector<Live>> leftovers(threads);
    std::atomic<uint64_t> corrupt{0}, bad_status{0}, allocated{0}, freed{0};

    auto worker = [&](int id) {
        Rng rng(1000 + id);
        std::vector<Live> mine;
        auto release = [&](const Live &b) {
            if (!intact(w.get(), b))
                corrupt++;
            if (walloc_free(w.get(), b.h, b.size) != WALLOC_OK)
                bad_status++;
            freed++;
        };
        for (uint64_t i = 0; i < ops_per_thread; i++) {
            uint64_t op = rng.below(100);
            if (op < 50 || mine.empty()) {
                uint64_t r = rng.below(1000);
                uint64_t size = r < 900 ? 1 + rng.below(512) : r < 995 ? 513 + rng.below(16384) : 65537 + rng.below(200000);
                walloc_tier t = kTiers[rng.below(3)];
                Live b{walloc_alloc(w.get(), size, t), size, t, rng.next()};
                if (b.h == WALLOC_NULL) {
                    bad_status++;
                    continue;
                }
                allocated++;
                stamp(w.get(), b);
                mine.push_back(b);
            } else if (op < 90) {
                size_t k = rng.below(mine.size());
                release(mine[k]);
                mine[k] = mine.back();
                mine.pop_back();
            } else if (op < 97) { // hand a block to another thread, which frees it
                size_t k = rng.below(mine.size());
                Mailbox &m = mail[(id + 1 + rng.below(threads - 1)) % threads];
                std::lock_guard<std::mutex> g(m.lock);
                m.blocks.push_back(mine[k]);
                mine[k] = mine.back();
                mine.pop_back();
            } else {
                std::vector<Live> got;
                {
                    std::lock_guard<std::mutex> g(mail[id].lock);
                    got.swap(mail[id].blocks);
                }
                for (const Live &b : got)
                    release(b);
            }
        }
        leftovers[id] = std::move(mine);
    };

    std::vector<std::thread> pool;
    for (int i = 0; i < threads; i++)
        pool.emplace_back(worker, i);
    for (auto &t : pool)
        t.join();

    std::vector<Live> all;
    for (auto &v : leftovers)
        all.insert(all.end(), v.begin(), v.end());
    for (auto &m : mail)
        all.insert(all.end(), m.blocks.begin(), m.blocks.end());
    std::sort(all.begin(), all.end(), [](const Live &a, const Live &b) { return a.h < b.h; });
    for (size_t i = 1; i < all.size(); i++)
        ASSERT_LE(all[i - 1].h + all[i - 1].size, all[i].h) << "live blocks overlap";
    uint64_t live_blocks = 0;
    for (walloc_tier t : kTiers)
        live_blocks += stats_of(w.get(), t).live_blocks;
    EXPECT_EQ(live_blocks, all.size());
    for (const Live &b : all) {
        ASSERT_TRUE(intact(w.get(), b));
        ASSERT_EQ(walloc_free(w.get(), b.h, b.size), WALLOC_OK);
        freed++;
    }
    EXPECT_EQ(corrupt.load(), 0u) << "blocks whose contents changed while live";
    EXPECT_EQ(bad_status.load(), 0u) << "failed allocations or frees";
    uint64_t allocs = 0, frees = 0;
    for (walloc_tier t : kTiers) {
        walloc_stats s = stats_of(w.get(), t);
        EXPECT_EQ(s.live_blocks, 0u);
        EXPECT_EQ(s.live_bytes, 0u);
        EXPECT_EQ(s.free_bytes + s.wasted_bytes, s.bump_head);
        EXPECT_LE(s.bump_head, s.capacity);
        allocs += s.total_allocs;
        frees += s.total_frees;
    }
    EXPECT_EQ(allocs, allocated.load());
    EXPECT_EQ(frees, freed.load());
}

} // namespace

TEST(ThreadStress, EightThreadsUnchecked)
{
    run_stress(8, stress_iterations(400000), false);
}

TEST(ThreadStress, EightThreadsChecked)
{
    run_stress(8, stress_iterations(100000), true);
}

// A thread's cache goes back to the instance when the thread exits: its blocks are reusable
// by others and its counts are kept.
TEST(ThreadStress, ExitingThreadsGiveTheirCachesBack)
{
    auto w = make_walloc(64u << 20, 0);
    std::vector<walloc_handle> seen;
    std::thread t([&] {
        for (int i = 0; i < 1000; i++)
            seen.push_back(walloc_alloc(w.get(), 96, WALLOC_TIER_BOTTOM));
        for (walloc_handle h : seen)
            walloc_free(w.get(), h, 96);
    });
    t.join();
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    EXPECT_EQ(s.total_allocs, 1000u);
    EXPECT_EQ(s.total_frees, 1000u);
    EXPECT_EQ(s.live_blocks, 0u);
    EXPECT_EQ(s.live_bytes, 0u);
    // Its spans were empty: they went back to the tier and, lying at its top, to the head.
    EXPECT_EQ(s.bump_head, 0u);
    std::sort(seen.begin(), seen.end());
    for (int i = 0; i < 1000; i++) {
        walloc_handle h = walloc_alloc(w.get(), 96, WALLOC_TIER_BOTTOM);
        EXPECT_TRUE(std::binary_search(seen.begin(), seen.end(), h)) << "not a recycled block";
    }
}

// A thread that used an instance which was destroyed must never touch the old cache, even when
// a new instance lands at the same address.
TEST(ThreadStress, DestroyedInstancesAreNeverConfusedWithNewOnes)
{
    for (int round = 0; round < 20; round++) {
        walloc *first = walloc_create(nullptr);
        std::atomic<int> phase{0};
        std::atomic<walloc *> second{nullptr};
        std::atomic<bool> ok{true};
        std::thread t([&] {
            walloc_handle h = walloc_alloc(first, 64, WALLOC_TIER_TOP);
            walloc_free(first, h, 64);
            phase = 1;
            while (phase != 2)
                std::this_thread::yield();
            walloc *w2 = second.load();
            for (int i = 0; i < 100; i++) {
                walloc_handle a = walloc_alloc(w2, 64, WALLOC_TIER_TOP);
                if (a == WALLOC_NULL || walloc_free(w2, a, 64) != WALLOC_OK)
                    ok = false;
            }
        });
        while (phase != 1)
            std::this_thread::yield();
        walloc_destroy(first);
        second = walloc_create(nullptr);
        phase = 2;
        t.join();
        EXPECT_TRUE(ok.load());
        walloc_stats s = stats_of(second.load(), WALLOC_TIER_TOP);
        EXPECT_EQ(s.total_allocs, 100u);
        EXPECT_EQ(s.live_blocks, 0u);
        walloc_destroy(second.load());
    }
}

// Reset and compact of one tier while other threads keep working in the other tiers.
TEST(ThreadStress, RewindingOneTierLeavesTheOthersAlone)
{
    auto w = make_walloc(128u << 20, 0);
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> corrupt{0};
    std::vector<std::thread> pool;
    for (int id = 0; id < 4; id++) {
        pool.emplace_back([&, id] {
            Rng rng(id + 77);
            walloc_tier t = id % 2 ? WALLOC_TIER_TOP : WALLOC_TIER_MIDDLE;
            std::vector<Live> mine;
            while (!stop.load(std::memory_order_relaxed)) {
                if (mine.size() < 300 && rng.below(2)) {
                    uint64_t size = 1 + rng.below(3000);
                    Live b{walloc_alloc(w.get(), size, t), size, t, rng.next()};
                    if (b.h != WALLOC_NULL) {
                        stamp(w.get(), b);
                        mine.push_back(b);
                    }
                } else if (!mine.empty()) {
                    size_t k = rng.below(mine.size());
                    if (!intact(w.get(), mine[k]) || walloc_free(w.get(), mine[k].h, mine[k].size) != WALLOC_OK)
                        corrupt++;
                    mine[k] = mine.back();
                    mine.pop_back();
                }
            }
            for (const Live &b : mine)
                if (!intact(w.get(), b) || walloc_free(w.get(), b.h, b.size) != WALLOC_OK)
                    corrupt++;
        });
    }
    Rng rng(5);
    for (uint64_t round = 0; round < stress_iterations(2000); round++) {
        std::vector<Live> mine;
        for (int i = 0; i < 50; i++) {
            uint64_t size = 1 + rng.below(5000);
            Live b{walloc_alloc(w.get(), size, WALLOC_TIER_BOTTOM), size, WALLOC_TIER_BOTTOM, rng.next()};
            ASSERT_NE(b.h, WALLOC_NULL);
            stamp(w.get(), b);
            mine.push_back(b);
        }
        for (const Live &b : mine)
            ASSERT_TRUE(intact(w.get(), b));
        if (round % 2)
            ASSERT_EQ(walloc_reset_tier(w.get(), WALLOC_TIER_BOTTOM), WALLOC_OK);
        else
            ASSERT_EQ(walloc_compact_tier(w.get(), WALLOC_TIER_BOTTOM, 0), WALLOC_OK);
        ASSERT_EQ(stats_of(w.get(), WALLOC_TIER_BOTTOM).bump_head, 0u);
    }
    stop = true;
    for (auto &t : pool)
        t.join();
    EXPECT_EQ(corrupt.load(), 0u);
    for (walloc_tier t : {WALLOC_TIER_TOP, WALLOC_TIER_MIDDLE})
        EXPECT_EQ(stats_of(w.get(), t).live_blocks, 0u);
}
