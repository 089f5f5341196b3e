// Torture of the one lock-free structure the core shares between threads: a span's remote
// list, where threads push the blocks they free into spans other threads own, while the owners
// take the whole list at once, allocate from what it held, and give empty spans back to the
// tier. Producers allocate blocks of one class and hand them to consumers through queues; the
// consumers check each block's stamp and free it (a remote free, mostly). Every block's owner
// is tracked: a block handed to two owners at once, lost (the tier then runs out), or changed
// while held fails the test. A stats thread reads the tier's statistics all along and checks
// their bounds on every read.
#include "walloc_fixture.h"

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "stress_scale.h"

namespace {

struct Queue {
    std::mutex lock;
    std::deque<walloc_handle> items;
    void push(walloc_handle h)
    {
        std::lock_guard<std::mutex> g(lock);
        items.push_back(h);
    }
    bool pop(walloc_handle &h)
    {
        std::lock_guard<std::mutex> g(lock);
        if (items.empty())
            return false;
        h = items.front();
        items.pop_front();
        return true;
    }
};

// Statistics within their documented bounds, whatever other threads are doing.
void check_bounds(const walloc_stats &s, std::atomic<uint64_t> &broken)
{
    bool ok = s.live_bytes + s.free_bytes + s.wasted_bytes == s.bump_head && s.bump_head <= s.capacity &&
              s.live_bytes + s.wasted_bytes <= s.committed && s.committed <= s.capacity &&
              s.free_bytes <= s.bump_head && s.peak >= s.bump_head && s.total_frees <= s.total_allocs &&
              s.live_blocks <= s.total_allocs - s.total_frees && s.live_bytes >= s.live_blocks;
    if (!ok)
        broken++;
}

} // namespace

TEST(RemoteFreeTorture, NoBlockIsEverHandedToTwoOwnersOrLost)
{
    const uint64_t capacity = 16u << 20;
    auto w = make_walloc(capacity, 0);
    ASSERT_TRUE(w);
    const int producers = 3, consumers = 3;
    const uint64_t per_producer = stress_iterations(400000);
    const uint64_t size = 24;
    const uint64_t slots = capacity / 8;
    std::unique_ptr<std::atomic<uint8_t>[]> owned(new std::atomic<uint8_t>[slots]);
    for (uint64_t i = 0; i < slots; i++)
        owned[i] = 0;
    std::vector<Queue> queues(consumers);
    std::atomic<uint64_t> double_handout{0}, corrupt{0}, stuck{0}, broken{0}, consumed{0};
    std::atomic<int> producing{producers};

    auto producer = [&](int id) {
        for (uint64_t i = 0, waits = 0; i < per_producer; i++) {
            walloc_handle h = walloc_alloc(w.get(), size, WALLOC_TIER_BOTTOM);
            if (h == WALLOC_NULL) { // the consumers are behind: wait for them to free
                if (++waits > 2000000) { // blocks got lost: the tier stays full
                    stuck++;
                    break;
                }
                std::this_thread::yield();
                i--;
                continue;
            }
            waits = 0;
            if (owned[h / 8].exchange(1) != 0)
                double_handout++;
            uint64_t token = (uint64_t)id << 48 | i;
            std::memcpy(walloc_ptr(w.get(), h), &token, 8);
            std::memcpy((uint8_t *)walloc_ptr(w.get(), h) + 16, &token, 8);
            queues[(id + i) % consumers].push(h);
            if (i % 64 == 0) { // now and then a block of its own, freed at once: a local free
                walloc_handle l = walloc_alloc(w.get(), size, WALLOC_TIER_BOTTOM);
                if (l != WALLOC_NULL) {
                    if (owned[l / 8].exchange(1) != 0)
                        double_handout++;
                    owned[l / 8].store(0);
                    walloc_free(w.get(), l, size);
                }
            }
        }
        producing--;
    };
    auto consumer = [&](int id) {
        walloc_handle h;
        for (;;) {
            if (!queues[id].pop(h)) {
                if (producing.load() == 0 && !queues[id].pop(h))
                    return;
                if (!queues[id].pop(h)) {
                    std::this_thread::yield();
                    continue;
                }
            }
            uint64_t a, b;
            std::memcpy(&a, walloc_ptr(w.get(), h), 8);
            std::memcpy(&b, (uint8_t *)walloc_ptr(w.get(), h) + 16, 8);
            if (a != b)
                corrupt++;
            owned[h / 8].store(0);
            if (walloc_free(w.get(), h, size) != WALLOC_OK)
                corrupt++;
            consumed++;
        }
    };
    std::atomic<bool> done{false};
    std::thread reader([&] {
        while (!done.load()) {
            walloc_stats s;
            if (walloc_tier_stats(w.get(), WALLOC_TIER_BOTTOM, &s) != WALLOC_OK)
                broken++;
            check_bounds(s, broken);
        }
    });
    std::vector<std::thread> pool;
    for (int i = 0; i < producers; i++)
        pool.emplace_back(producer, i);
    for (int i = 0; i < consumers; i++)
        pool.emplace_back(consumer, i);
    for (auto &t : pool)
        t.join();
    done = true;
    reader.join();
    EXPECT_EQ(double_handout.load(), 0u);
    EXPECT_EQ(corrupt.load(), 0u);
    EXPECT_EQ(broken.load(), 0u) << "statistics out of their bounds";
    EXPECT_EQ(stuck.load(), 0u) << "the tier stayed full: blocks were lost";
    EXPECT_EQ(consumed.load(), producers * per_producer);
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    EXPECT_EQ(s.live_blocks, 0u);
    EXPECT_EQ(s.live_bytes, 0u);
    EXPECT_EQ(s.total_allocs, s.total_frees);
}
