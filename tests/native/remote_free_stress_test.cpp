// ABA torture of the shared tagged freelists: this test links the core built without
// per-thread caches, so every allocation is a pop and every free a push on the same lock-free
// stack, from many threads at once. A stack whose head were a plain pointer (the reference
// implementation's pop) corrupts here within a second: blocks get lost (the head then grows
// past what was ever live) or handed to two owners (ownership of every block is tracked).
// Checked by breaking the tag on purpose: this test then fails on every run.
#include "walloc_fixture.h"

#include <atomic>
#include <memory>
#include <thread>

#include "stress_scale.h"

TEST(AbaTorture, NoBlockIsEverHandedToTwoOwners)
{
    auto w = make_walloc(16u << 20, 0);
    ASSERT_TRUE(w);
    const int threads = 8;
    const uint64_t iterations = stress_iterations(600000);
    const uint64_t slots = (16u << 20) / 8;
    std::unique_ptr<std::atomic<uint8_t>[]> owned(new std::atomic<uint8_t>[slots]);
    for (uint64_t i = 0; i < slots; i++)
        owned[i] = 0;
    std::atomic<uint64_t> double_handout{0}, corrupt{0}, failed{0};
    auto worker = [&](int id) {
        Rng rng(id + 1);
        walloc_handle held[4];
        for (uint64_t i = 0; i < iterations; i++) {
            int n = 1 + (int)rng.below(4);
            for (int k = 0; k < n; k++) {
                held[k] = walloc_alloc(w.get(), 24, WALLOC_TIER_BOTTOM); // one class: one stack
                if (held[k] == WALLOC_NULL) {
                    failed++;
                    n = k;
                    break;
                }
                if (owned[held[k] / 8].exchange(1) != 0)
                    double_handout++;
                uint64_t token = ((uint64_t)id << 48) | i;
                std::memcpy(walloc_ptr(w.get(), held[k]) , &token, 8);
                std::memcpy((uint8_t *)walloc_ptr(w.get(), held[k]) + 8, &token, 8);
            }
            for (int k = n - 1; k >= 0; k--) {
                uint64_t a, b, token = ((uint64_t)id << 48) | i;
                std::memcpy(&a, walloc_ptr(w.get(), held[k]), 8);
                std::memcpy(&b, (uint8_t *)walloc_ptr(w.get(), held[k]) + 8, 8);
                if (a != token || b != token)
                    corrupt++;
                owned[held[k] / 8].store(0);
                if (walloc_free(w.get(), held[k], 24) != WALLOC_OK)
                    failed++;
            }
        }
    };
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; i++)
        pool.emplace_back(worker, i);
    for (auto &t : pool)
        t.join();
    EXPECT_EQ(double_handout.load(), 0u);
    EXPECT_EQ(corrupt.load(), 0u);
    EXPECT_EQ(failed.load(), 0u);
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    EXPECT_EQ(s.live_blocks, 0u);
    EXPECT_EQ(s.total_allocs, s.total_frees);
    // Blocks were recycled, not bumped: at most threads x 4 blocks were ever live at once.
    EXPECT_LE(s.bump_head, (uint64_t)threads * 4 * 24);
}
