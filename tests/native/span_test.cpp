// Spans serve every size from the same memory: what one size class frees, another (or a large
// block) takes; memory freed or released beyond what a tier retains goes back to the system;
// a tier whose free memory lies in pieces still serves requests that fit a piece; spans that
// other threads freed entirely are taken back when a tier runs out of room.
#include "walloc_fixture.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace {

// Allocates blocks of size until bytes are taken; false when an allocation fails first.
bool fill(walloc *w, walloc_tier t, uint64_t size, uint64_t bytes, std::vector<walloc_handle> &out)
{
    for (uint64_t taken = 0; taken < bytes; taken += size) {
        walloc_handle h = walloc_alloc(w, size, t);
        if (h == WALLOC_NULL)
            return false;
        out.push_back(h);
    }
    return true;
}

void free_all(walloc *w, std::vector<walloc_handle> &hs, uint64_t size)
{
    for (walloc_handle h : hs)
        ASSERT_EQ(walloc_free(w, h, size), WALLOC_OK);
    hs.clear();
}

} // namespace

TEST(Spans, PhasesOfDifferentClassesNeverFailAndGiveMemoryBack)
{
    // The workload: in a 256 MiB instance, fill part of the Bottom tier with blocks of
    // one class, free them all, then the same with another class. Freed memory of one class
    // must serve the next; the old per-class freelists failed the third phase half-way.
    auto w = make_walloc(256u << 20, 0);
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    const uint64_t half = s.capacity / 2;
    std::vector<walloc_handle> hs;
    uint64_t largest = 0; // the largest phase's footprint so far
    for (uint64_t size : {24u, 40u, 64u, 200u, 1000u, 3000u, 8000u, 100000u, 24u, 5000u}) {
        ASSERT_TRUE(fill(w.get(), WALLOC_TIER_BOTTOM, size, half, hs)) << "phase of " << size << " B blocks failed after " << hs.size();
        largest = std::max(largest, hs.size() * walloc_block_size(w.get(), WALLOC_TIER_BOTTOM, size));
        free_all(w.get(), hs, size);
        s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
        EXPECT_EQ(s.live_blocks, 0u);
        EXPECT_EQ(s.failed_allocs, 0u);
        // Phases reuse each other's memory: the head never passes the largest one by more than
        // a few spans.
        EXPECT_LE(s.bump_head, largest + (1u << 20)) << "phase of " << size << " B";
    }
    // Everything freed and compacted: the memory goes back, all but what the tier retains
    // (walloc_config.retain: default a 64th of the tier, at least 1 MiB).
    ASSERT_EQ(walloc_compact_tier(w.get(), WALLOC_TIER_BOTTOM, 0), WALLOC_OK);
    s = stats_of(w.get(), WALLOC_TIER_BOTTOM);
    EXPECT_EQ(s.bump_head, 0u);
    EXPECT_LE(s.committed, std::max<uint64_t>(s.capacity / 64, 1u << 20) + (64u << 10));
}

TEST(Spans, FreedSpansBeyondWhatTheTierRetainsGoBackToTheSystem)
{
    walloc_config c = walloc_config_default();
    c.capacity = 64u << 20;
    c.checked = 0;
    c.retain = 256u << 10;
    WallocPtr w(walloc_create(&c));
    ASSERT_TRUE(w);
    std::vector<walloc_handle> keep, hs;
    ASSERT_TRUE(fill(w.get(), WALLOC_TIER_TOP, 512, 4u << 20, hs));
    walloc_handle last = walloc_alloc(w.get(), 512, WALLOC_TIER_TOP); // holds the head up
    ASSERT_NE(last, WALLOC_NULL);
    walloc_stats before = stats_of(w.get(), WALLOC_TIER_TOP);
    free_all(w.get(), hs, 512);
    walloc_stats after = stats_of(w.get(), WALLOC_TIER_TOP);
    EXPECT_EQ(after.bump_head, before.bump_head) << "the last block keeps the head where it was";
    // 4 MiB of spans went back: a thread keeps empty spans worth a 64th of the tier as spares,
    // the tier retains 256 KiB of free extents (and the first page of each extent, which holds
    // its header), and all the rest went back to the system.
    EXPECT_GE(before.committed - after.committed, (4u << 20) - c.retain - after.capacity / 64 - (256u << 10))
        << "committed " << before.committed << " -> " << after.committed;
    // The memory given back is used again, and committed again as it is taken.
    ASSERT_TRUE(fill(w.get(), WALLOC_TIER_TOP, 4000, 3u << 20, hs));
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_TOP).bump_head, before.bump_head);
    EXPECT_GE(stats_of(w.get(), WALLOC_TIER_TOP).committed, 3u << 20);
    free_all(w.get(), hs, 4000);
    ASSERT_EQ(walloc_free(w.get(), last, 512), WALLOC_OK);
}

TEST(Spans, FreeMemoryInPiecesServesRequestsThatFitAPiece)
{
    // Fill the tier with large blocks, free every other one: the free memory lies in pieces of
    // 12 KiB, shorter than a span of most classes. Small requests must still be served from
    // them (spans shorten to fit), until the pieces are used up.
    auto w = make_walloc(8u << 20, 0);
    std::vector<walloc_handle> big;
    ASSERT_TRUE(fill(w.get(), WALLOC_TIER_MIDDLE, 12288, UINT64_MAX, big) == false);
    ASSERT_GT(big.size(), 100u);
    for (size_t i = 0; i < big.size(); i += 2)
        ASSERT_EQ(walloc_free(w.get(), big[i], 12288), WALLOC_OK);
    uint64_t pieces = (big.size() + 1) / 2;
    for (uint64_t size : {4096u, 1000u, 64u}) {
        std::vector<walloc_handle> hs;
        for (uint64_t i = 0; i < pieces; i++) {
            walloc_handle h = walloc_alloc(w.get(), size, WALLOC_TIER_MIDDLE);
            ASSERT_NE(h, WALLOC_NULL) << size << " B block " << i << " of " << pieces;
            hs.push_back(h);
        }
        free_all(w.get(), hs, size);
    }
}

TEST(Spans, SpansOtherThreadsFreedEntirelyAreTakenBackWhenTheTierIsFull)
{
    // A thread allocates blocks of many classes and then waits, alive but idle; this thread
    // frees all its blocks (remote frees, which only the owner collects in its own time), and
    // then needs the whole tier: it must get the idle thread's spans back.
    auto w = make_walloc(16u << 20, 0);
    const walloc_tier t = WALLOC_TIER_MIDDLE;
    const uint64_t cap = stats_of(w.get(), t).capacity;
    std::vector<std::pair<walloc_handle, uint64_t>> theirs;
    std::mutex m;
    std::condition_variable cv;
    bool allocated = false, release = false;
    std::thread owner([&] {
        uint64_t sizes[] = {64, 256, 1024, 4096, 8000};
        for (uint64_t taken = 0, i = 0; taken < cap / 2; i++) {
            uint64_t size = sizes[i % 5];
            walloc_handle h = walloc_alloc(w.get(), size, t);
            if (h == WALLOC_NULL)
                break;
            theirs.emplace_back(h, size);
            taken += size;
        }
        std::unique_lock<std::mutex> g(m);
        allocated = true;
        cv.notify_all();
        cv.wait(g, [&] { return release; });
    });
    {
        std::unique_lock<std::mutex> g(m);
        cv.wait(g, [&] { return allocated; });
    }
    for (auto &[h, size] : theirs)
        ASSERT_EQ(walloc_free(w.get(), h, size), WALLOC_OK);
    walloc_stats s = stats_of(w.get(), t);
    EXPECT_EQ(s.live_blocks, 0u);
    std::vector<walloc_handle> mine;
    fill(w.get(), t, 4096, UINT64_MAX, mine);
    EXPECT_GE(mine.size() * 4096, cap * 9 / 10) << "the idle thread's free spans stayed out of reach";
    free_all(w.get(), mine, 4096);
    {
        std::lock_guard<std::mutex> g(m);
        release = true;
    }
    cv.notify_all();
    owner.join();
}

TEST(Spans, CompactionKeepsFreeBlocksBelowKeepForReuse)
{
    auto w = make_walloc(8u << 20, 1);
    const walloc_tier t = WALLOC_TIER_BOTTOM;
    std::vector<walloc_handle> hs;
    ASSERT_TRUE(fill(w.get(), t, 100, 100 * 500, hs));
    walloc_stats mark = stats_of(w.get(), t);
    std::vector<walloc_handle> above;
    ASSERT_TRUE(fill(w.get(), t, 20000, 20000 * 5, above)); // large blocks: from the head, above the mark
    for (size_t i = 0; i < hs.size(); i += 2)
        ASSERT_EQ(walloc_free(w.get(), hs[i], 100), WALLOC_OK);
    ASSERT_EQ(walloc_compact_tier(w.get(), t, mark.bump_head), WALLOC_OK);
    walloc_stats s = stats_of(w.get(), t);
    EXPECT_EQ(s.bump_head, mark.bump_head);
    EXPECT_EQ(s.live_blocks, hs.size() / 2) << "exactly the blocks still held below keep";
    EXPECT_EQ(s.live_bytes, s.live_blocks * walloc_block_size(w.get(), t, 100));
    // The freed blocks below keep serve new requests without moving the head.
    std::vector<walloc_handle> again;
    ASSERT_TRUE(fill(w.get(), t, 100, 100 * (hs.size() / 2), again));
    EXPECT_EQ(stats_of(w.get(), t).bump_head, mark.bump_head);
    free_all(w.get(), again, 100);
    for (size_t i = 1; i < hs.size(); i += 2)
        ASSERT_EQ(walloc_free(w.get(), hs[i], 100), WALLOC_OK);
}

TEST(Spans, CheckedModeForgetsFreedBlocksWhoseMemoryAnotherBlockNowHolds)
{
    // Checked mode remembers freed blocks (to report DOUBLE_FREE). Once their memory serves
    // blocks of another class, or a large block, or large blocks' memory serves small blocks,
    // an address inside a live block is NOT_A_BLOCK, whatever was freed there before; the live
    // blocks themselves free normally. Each phase fills the tier, so the memory is reused.
    // Pairs whose layouts differ: some freed block starts end up inside the blocks of the next
    // phase (small in small, small in large, large in small).
    const uint64_t sizes[][2] = {{8, 56}, {24, 40}, {40, 64}, {8, 20000}, {12288, 56}};
    for (const auto &pair : sizes) {
        auto w = make_walloc(16u << 20, 1); /* spans of several pages */
        std::vector<walloc_handle> before, after;
        fill(w.get(), WALLOC_TIER_BOTTOM, pair[0], UINT64_MAX, before);
        ASSERT_GT(before.size(), 4u);
        std::vector<walloc_handle> stale = before;
        free_all(w.get(), before, pair[0]);
        fill(w.get(), WALLOC_TIER_BOTTOM, pair[1], UINT64_MAX, after);
        ASSERT_GT(after.size(), 0u);
        std::map<walloc_handle, uint64_t> live;
        for (walloc_handle h : after)
            live[h] = pair[1];
        unsigned inside = 0;
        for (walloc_handle x : stale) {
            auto it = live.upper_bound(x);
            if (it == live.begin() || live.count(x))
                continue;
            --it;
            if (x >= it->first + it->second)
                continue; /* not inside a live block */
            inside++;
            ASSERT_EQ(walloc_free(w.get(), x, 1), WALLOC_ERR_NOT_A_BLOCK)
                << "0x" << std::hex << x << " (a freed " << std::dec << pair[0] << " B block) inside the live "
                << pair[1] << " B block 0x" << std::hex << it->first;
        }
        EXPECT_GT(inside, 0u) << pair[0] << " -> " << pair[1] << ": no freed block ended up inside a live one";
        free_all(w.get(), after, pair[1]);
    }
}
