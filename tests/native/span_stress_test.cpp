// Spans under cross-thread frees and hostile writes: threads allocate blocks of many classes,
// free a share of them themselves and hand the rest to other threads to free, while a scribbler
// keeps writing into blocks that were freed (what a careless caller does after a free) and a
// reader checks the statistics' bounds on every read. Every block handed out must lie in its
// tier, aligned, inside what the tier handed out; nothing may crash. Block contents are not
// checked: the scribbler may hit a block after it was handed out again. Every access to block
// memory is atomic, so ThreadSanitizer reports the allocator's races, not the test's.
#include "walloc_fixture.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "stress_scale.h"

namespace {

struct Freed {
    std::mutex lock;
    std::vector<std::pair<walloc_handle, uint64_t>> blocks; // (handle, size), a ring
    size_t next = 0;
    void add(walloc_handle h, uint64_t size)
    {
        std::lock_guard<std::mutex> g(lock);
        if (blocks.size() < 4096)
            blocks.emplace_back(h, size);
        else
            blocks[next++ % blocks.size()] = {h, size};
    }
    bool any(Rng &rng, walloc_handle &h, uint64_t &size)
    {
        std::lock_guard<std::mutex> g(lock);
        if (blocks.empty())
            return false;
        auto &b = blocks[rng.below(blocks.size())];
        h = b.first, size = b.second;
        return true;
    }
};

// A write into a block the caller holds (its first 8 bytes, when it has them). Exempt from
// AddressSanitizer too: once the scribbler has overwritten a free list, a block may be handed out
// twice (the promise is only that it lies in its tier), and the other holder may have freed it.
__attribute__((no_sanitize("address"))) void stamp(walloc *w, walloc_handle h, uint64_t size, uint64_t v)
{
    if (size >= 8)
        __atomic_store_n((uint64_t *)walloc_ptr(w, h), v, __ATOMIC_RELAXED);
}

// A write into a block that was freed: memory AddressSanitizer builds keep poisoned.
__attribute__((no_sanitize("address"))) void scribble(walloc *w, walloc_handle h, uint64_t v)
{
    if (void *p = walloc_ptr(w, h))
        __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED);
}

} // namespace

// The promise under writes into freed memory: every block stays inside its tier, aligned, below
// the head; statistics stay within their bounds; nothing crashes. Not promised: that the same
// block is never handed out twice. A scribbled large-extent header that still looks like one
// (a plausible size, a successor above it) can make a free extent cover live blocks; a free of
// such a block then reports OUT_OF_BOUNDS (its pages belong to another block now), which is
// the one status besides WALLOC_OK a free may return here.
TEST(SpanStress, CrossThreadFreesWithAScribblerStayInsideTheirTiers)
{
    auto w = make_walloc(64u << 20, 0);
    ASSERT_TRUE(w);
    const int threads = 4;
    const uint64_t ops = stress_iterations(150000);
    std::vector<std::mutex> inbox_lock(threads);
    std::vector<std::vector<std::pair<walloc_handle, uint64_t>>> inbox(threads);
    Freed freed;
    std::atomic<uint64_t> outside{0}, bad_status{0}, broken{0};
    auto free_checked = [&](walloc_handle h, uint64_t size) {
        walloc_status st = walloc_free(w.get(), h, size);
        if (st != WALLOC_OK && st != WALLOC_ERR_OUT_OF_BOUNDS)
            bad_status++;
    };
    std::atomic<bool> done{false};

    auto check = [&](walloc_handle h, uint64_t size, walloc_tier t) {
        walloc_tier where;
        if (walloc_tier_of(w.get(), h, &where) != WALLOC_OK || where != t ||
            h % walloc_tier_alignment(t) != 0 || walloc_ptr(w.get(), h + (size ? size - 1 : 0)) == nullptr)
            outside++;
    };
    auto worker = [&](int id) {
        Rng rng(77 + id);
        std::vector<std::tuple<walloc_handle, uint64_t, walloc_tier>> mine;
        for (uint64_t i = 0; i < ops; i++) {
            std::vector<std::pair<walloc_handle, uint64_t>> mail;
            {
                std::lock_guard<std::mutex> g(inbox_lock[id]);
                mail.swap(inbox[id]);
            }
            for (auto &[h, size] : mail) { // blocks another thread allocated
                free_checked(h, size);
                freed.add(h, size);
            }
            walloc_tier t = kTiers[rng.below(3)];
            uint64_t size = rng.below(8) == 0 ? 8193 + rng.below(40000) : 1 + rng.below(rng.below(2) ? 128 : 8192);
            walloc_handle h = walloc_alloc(w.get(), size, t);
            if (h != WALLOC_NULL) {
                check(h, size, t);
                stamp(w.get(), h, size, i);
                mine.emplace_back(h, size, t);
            }
            if (mine.size() > 64 || (rng.below(2) && !mine.empty())) {
                size_t k = rng.below(mine.size());
                auto [fh, fsize, ft] = mine[k];
                mine[k] = mine.back();
                mine.pop_back();
                (void)ft;
                if (rng.below(3) == 0) { // hand it to another thread
                    int to = (id + 1 + (int)rng.below(threads - 1)) % threads;
                    std::lock_guard<std::mutex> g(inbox_lock[to]);
                    inbox[to].emplace_back(fh, fsize);
                } else {
                    free_checked(fh, fsize);
                    freed.add(fh, fsize);
                }
            }
        }
        for (auto &[h, size, t] : mine) {
            (void)t;
            walloc_free(w.get(), h, size);
        }
    };
    std::thread scribbler([&] {
        Rng rng(5);
        const uint64_t hostile[] = {0, 8, 4096, 1ull << 40, WALLOC_NULL, 0xDEADBEEFull, 127};
        while (!done.load()) {
            walloc_handle h;
            uint64_t size;
            if (freed.any(rng, h, size) && size >= 8)
                scribble(w.get(), h, rng.below(2) ? hostile[rng.below(7)] : rng.below(1u << 20) * 8);
        }
    });
    std::thread reader([&] {
        while (!done.load()) {
            for (walloc_tier t : kTiers) {
                walloc_stats s;
                walloc_tier_stats(w.get(), t, &s);
                bool ok = s.live_bytes + s.free_bytes + s.wasted_bytes == s.bump_head && s.bump_head <= s.capacity &&
                          s.live_bytes + s.wasted_bytes <= s.committed && s.committed <= s.capacity &&
                          s.free_bytes <= s.bump_head && s.total_frees <= s.total_allocs &&
                          s.live_blocks <= s.total_allocs - s.total_frees;
                if (!ok)
                    broken++;
            }
        }
    });
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; i++)
        pool.emplace_back(worker, i);
    for (auto &t : pool)
        t.join();
    for (int i = 0; i < threads; i++)
        for (auto &[h, size] : inbox[i])
            walloc_free(w.get(), h, size);
    done = true;
    scribbler.join();
    reader.join();
    EXPECT_EQ(outside.load(), 0u) << "a block handed out outside its tier, misaligned or past its head";
    EXPECT_EQ(bad_status.load(), 0u) << "a free of a block handed out returned neither OK nor OUT_OF_BOUNDS";
    EXPECT_EQ(broken.load(), 0u) << "statistics out of their bounds";
}
