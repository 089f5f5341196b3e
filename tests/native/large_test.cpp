// Blocks above the largest size class: coalescing keeps a long random workload of mixed large
// sizes from fragmenting the tier.
#include "walloc_fixture.h"

#include <atomic>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

TEST(Large, LongMixedWorkloadKeepsTheHeadBounded)
{
    auto w = make_walloc(256u << 20, 1);
    Rng rng(2024);
    std::map<walloc_handle, uint64_t> live;
    uint64_t live_bytes = 0, max_live = 0;
    for (int i = 0; i < 200000; i++) {
        if (live_bytes < (16u << 20) && (live.empty() || rng.below(2))) {
            uint64_t size = 65537 + rng.below(rng.below(10) == 0 ? (4u << 20) : (512u << 10));
            walloc_handle h = walloc_alloc(w.get(), size, WALLOC_TIER_TOP);
            ASSERT_NE(h, WALLOC_NULL) << "step " << i;
            live[h] = size;
            live_bytes += size;
            max_live = std::max(max_live, live_bytes);
        } else {
            auto it = live.begin();
            std::advance(it, rng.below(live.size()));
            ASSERT_EQ(walloc_free(w.get(), it->first, it->second), WALLOC_OK);
            live_bytes -= it->second;
            live.erase(it);
        }
    }
    walloc_stats s = stats_of(w.get(), WALLOC_TIER_TOP);
    // Without coalescing the head would creep towards the 128 MiB capacity; with it, it stays
    // within a small factor of the most bytes ever live at once.
    EXPECT_LT(s.peak, 2 * max_live + (8u << 20)) << "peak " << s.peak << " max live " << max_live;
    for (auto &[h, size] : live)
        ASSERT_EQ(walloc_free(w.get(), h, size), WALLOC_OK);
    s = stats_of(w.get(), WALLOC_TIER_TOP);
    EXPECT_EQ(s.live_bytes, 0u);
    EXPECT_EQ(s.bump_head, 0u) << "everything freed: the extents merge back into the head";
    EXPECT_EQ(s.free_bytes, 0u);
}

TEST(Large, FreedNeighboursMergeIntoOneExtent)
{
    auto w = make_walloc(64u << 20, 1);
    const uint64_t size = 100000; // 102400 after rounding
    walloc_handle a = walloc_alloc(w.get(), size, WALLOC_TIER_MIDDLE);
    walloc_handle b = walloc_alloc(w.get(), size, WALLOC_TIER_MIDDLE);
    walloc_handle c = walloc_alloc(w.get(), size, WALLOC_TIER_MIDDLE);
    walloc_handle guard = walloc_alloc(w.get(), size, WALLOC_TIER_MIDDLE);
    ASSERT_EQ(b, a + 102400);
    ASSERT_EQ(c, b + 102400);
    ASSERT_EQ(walloc_free(w.get(), a, size), WALLOC_OK);
    ASSERT_EQ(walloc_free(w.get(), c, size), WALLOC_OK);
    ASSERT_EQ(walloc_free(w.get(), b, size), WALLOC_OK); // joins a and c
    // One block of three times the size now fits where the three were.
    walloc_handle big = walloc_alloc(w.get(), 3 * 102400, WALLOC_TIER_MIDDLE);
    EXPECT_EQ(big, a);
    EXPECT_EQ(walloc_free(w.get(), big, 3 * 102400), WALLOC_OK);
    EXPECT_EQ(walloc_free(w.get(), guard, size), WALLOC_OK);
    EXPECT_EQ(stats_of(w.get(), WALLOC_TIER_MIDDLE).bump_head, 0u);
}

// Once the bump head is full, small requests are served from freed large blocks.
TEST(Large, SmallRequestsUseFreedLargeBlocksWhenTheHeadIsFull)
{
    for (int checked : {0, 1}) {
        auto w = make_walloc(1u << 20, checked); // Top: 512 KiB
        std::vector<walloc_handle> hs;
        walloc_handle h;
        while ((h = walloc_alloc(w.get(), 70000, WALLOC_TIER_TOP)) != WALLOC_NULL)
            hs.push_back(h);
        ASSERT_GE(hs.size(), 5u);
        for (size_t i = 0; i + 1 < hs.size(); i++)
            ASSERT_EQ(walloc_free(w.get(), hs[i], 70000), WALLOC_OK);
        std::vector<std::pair<walloc_handle, uint64_t>> small;
        for (uint64_t size : {30000u, 100u, 5000u, 64u, 10000u, 20000u}) {  // 10000: class 10240, cut 12288
            walloc_handle s = walloc_alloc(w.get(), size, WALLOC_TIER_TOP);
            ASSERT_NE(s, WALLOC_NULL) << size << " bytes with " << stats_of(w.get(), WALLOC_TIER_TOP).free_bytes << " free";
            ASSERT_EQ(walloc_write(w.get(), s, std::vector<uint8_t>(size, 7).data(), size), WALLOC_OK);
            ASSERT_LT(s, hs.back()); // from the freed extents, below the block still live
            small.emplace_back(s, size);
        }
        for (auto &[s, size] : small)
            ASSERT_EQ(walloc_free(w.get(), s, size), WALLOC_OK);
        ASSERT_EQ(walloc_free(w.get(), hs.back(), 70000), WALLOC_OK);
        walloc_stats s = stats_of(w.get(), WALLOC_TIER_TOP);
        EXPECT_EQ(s.live_blocks, 0u);
        EXPECT_EQ(s.live_bytes, 0u) << "the rest of a cut extent must stay counted as free";
    }
}

// A caller that keeps writing into freed large blocks while other threads allocate and free
// them: the free extents' headers change under the walks. Whatever they read, large blocks must
// stay inside the tier's memory (each returned block is written whole: a handle past the
// committed memory would fault) and nothing may crash.
namespace {
__attribute__((no_sanitize("address"))) void scribble(void *p, uint64_t a, uint64_t b)
{
    __atomic_store_n(static_cast<uint64_t *>(p), a, __ATOMIC_RELAXED);
    __atomic_store_n(static_cast<uint64_t *>(p) + 1, b, __ATOMIC_RELAXED);
}
// One word of freed memory, read or written as a careless caller would (ASan builds keep free
// memory poisoned).
__attribute__((no_sanitize("address"))) uint64_t peek(const uint64_t *p, size_t i)
{
    return __atomic_load_n(p + i, __ATOMIC_RELAXED);
}
__attribute__((no_sanitize("address"))) void poke(uint64_t *p, size_t i, uint64_t v)
{
    __atomic_store_n(p + i, v, __ATOMIC_RELAXED);
}
} // namespace

TEST(Large, WritesIntoFreedBlocksDuringWalksNeverLeadOutsideTheTier)
{
    // Top: 128 MiB, unchecked (frees are not tracked). Headers the vandal spoils cut the extent
    // list, and what lay behind stays unusable until a reset: room for that.
    auto w = make_walloc(256u << 20, 0);
    walloc_stats st = stats_of(w.get(), WALLOC_TIER_TOP);
    constexpr int kRing = 64;
    std::atomic<uint64_t> freed[kRing];
    for (auto &f : freed)
        f.store(WALLOC_NULL);
    std::atomic<bool> done{false};
    std::atomic<uint64_t> outside{0}, allocated{0};
    auto worker = [&](uint64_t seed) {
        Rng rng(seed);
        std::vector<std::pair<walloc_handle, uint64_t>> live;
        for (int i = 0; i < 4000; i++) {
            if (live.size() < 6 && (live.empty() || rng.below(2))) {
                uint64_t size = 65537 + rng.below(256u << 10);
                walloc_handle h = walloc_alloc(w.get(), size, WALLOC_TIER_TOP);
                if (h == WALLOC_NULL)
                    continue;
                if (h + size > st.capacity) {
                    outside++;
                    continue;
                }
                std::memset(walloc_ptr(w.get(), h), 0x5A, size); // faults if outside committed memory
                live.emplace_back(h, size);
                allocated++;
            } else {
                size_t k = rng.below(live.size());
                walloc_free(w.get(), live[k].first, live[k].second);
                freed[rng.below(kRing)].store(live[k].first);
                live.erase(live.begin() + static_cast<long>(k));
            }
        }
        for (auto &[h, size] : live)
            walloc_free(w.get(), h, size);
    };
    std::thread vandal([&] {
        Rng rng(99);
        while (!done.load()) {
            uint64_t h = freed[rng.below(kRing)].load();
            void *p = h == WALLOC_NULL ? nullptr : walloc_ptr(w.get(), h);
            if (p == nullptr)
                continue;
            switch (rng.below(4)) { // sizes and links: wild, huge, plausible-looking, backwards
            case 0: scribble(p, rng.next(), rng.next()); break;
            case 1: scribble(p, UINT64_MAX - 4095, WALLOC_NULL); break;
            case 2: scribble(p, (1 + rng.below(64)) << 12, h + ((1 + rng.below(64)) << 12)); break;
            default: scribble(p, 4096, h > 8192 ? h - 8192 : 0); break;
            }
        }
    });
    std::thread a(worker, 1), b(worker, 2);
    a.join();
    b.join();
    done = true;
    vandal.join();
    EXPECT_EQ(outside.load(), 0u) << "a large block reached past the tier";
    EXPECT_GT(allocated.load(), 1000u);
}

// A write into a free extent that still looks like an extent header (a size in whole pages that
// stays inside the tier, a successor above it) must not make live memory free: the next large
// allocations and spans must never overlap the live block, whose contents survive. One case per
// way of forging: a larger size, a link to a live block that holds a copy of a header, both.
TEST(Large, AForgedExtentHeaderNeverFreesLiveMemory)
{
    const uint64_t big = 256u << 10;
    for (int forge = 0; forge < 3; forge++) {
        auto w = make_walloc(64u << 20, 0);
        walloc_handle a = walloc_alloc(w.get(), big, WALLOC_TIER_TOP);
        walloc_handle live = walloc_alloc(w.get(), big, WALLOC_TIER_TOP);
        walloc_handle c = walloc_alloc(w.get(), big, WALLOC_TIER_TOP); // keeps the head above
        ASSERT_NE(c, WALLOC_NULL);
        ASSERT_EQ(live, a + big) << "the test expects the blocks one after another";
        auto *lp = static_cast<uint64_t *>(walloc_ptr(w.get(), live));
        ASSERT_EQ(walloc_free(w.get(), a, big), WALLOC_OK);
        auto *ap = static_cast<uint64_t *>(walloc_ptr(w.get(), a));
        uint64_t header[4]; // whatever the free extent at a holds
        for (size_t i = 0; i < 4; i++)
            header[i] = peek(ap, i);
        for (uint64_t i = 0; i < big / 8; i++)
            lp[i] = 0xC0FFEE00u + i;
        if (forge == 0) {
            poke(ap, 0, 2 * big); // a's extent now covers live
        } else {
            // live starts with a's header, made to say "big bytes, nothing after"; a links to it.
            std::memcpy(lp, header, sizeof header);
            lp[0] = big;
            lp[1] = WALLOC_NULL;
            poke(ap, 1, live);
            if (forge == 2)
                poke(ap, 0, big);
        }
        std::vector<std::pair<walloc_handle, uint64_t>> got;
        for (uint64_t size : {uint64_t{2 * big}, uint64_t{big}, uint64_t{big}, uint64_t{big / 2}, uint64_t{big / 4}, uint64_t{8192}, uint64_t{4096}, uint64_t{64}}) {
            for (int k = 0; k < 8; k++) {
                walloc_handle h = walloc_alloc(w.get(), size, WALLOC_TIER_TOP);
                if (h == WALLOC_NULL)
                    break;
                got.emplace_back(h, size);
                EXPECT_TRUE(h + size <= live || h >= live + big)
                    << "forge " << forge << ": a " << size << " B block at 0x" << std::hex << h
                    << " overlaps the live block at 0x" << live;
            }
        }
        for (uint64_t i = forge == 0 ? 0 : 4; i < big / 8; i++) // (the forged header is the test's)
            ASSERT_EQ(lp[i], 0xC0FFEE00u + i) << "forge " << forge << ": live block word " << i << " changed";
        for (auto &[h, size] : got)
            EXPECT_EQ(walloc_free(w.get(), h, size), WALLOC_OK);
        EXPECT_EQ(walloc_free(w.get(), live, big), WALLOC_OK);
    }
}

// The same with headers that were real once: a live block that was a free extent before it was
// handed out whole, or before a reset, still holds that extent's header (its holder has not
// written there). A link forged to point at it must not make it free again.
TEST(Large, AFormerExtentHeaderInALiveBlockIsNeverBelievedAgain)
{
    const uint64_t big = 256u << 10;
    for (bool reset : {false, true}) {
        auto w = make_walloc(64u << 20, 0);
        walloc_handle x = walloc_alloc(w.get(), big, WALLOC_TIER_TOP);
        walloc_handle a = walloc_alloc(w.get(), big, WALLOC_TIER_TOP);
        ASSERT_NE(walloc_alloc(w.get(), big, WALLOC_TIER_TOP), WALLOC_NULL); // keeps the head above
        ASSERT_EQ(a, x + big);
        ASSERT_EQ(walloc_free(w.get(), a, big), WALLOC_OK); // a's memory holds an extent header now
        if (reset) {
            ASSERT_EQ(walloc_reset_tier(w.get(), WALLOC_TIER_TOP), WALLOC_OK);
            ASSERT_EQ(walloc_alloc(w.get(), big, WALLOC_TIER_TOP), x);
            ASSERT_EQ(walloc_alloc(w.get(), big, WALLOC_TIER_TOP), a);
            ASSERT_NE(walloc_alloc(w.get(), big, WALLOC_TIER_TOP), WALLOC_NULL);
        } else {
            ASSERT_EQ(walloc_alloc(w.get(), big, WALLOC_TIER_TOP), a); // the extent, handed out whole
        }
        ASSERT_EQ(walloc_free(w.get(), x, big), WALLOC_OK);
        auto *xp = static_cast<uint64_t *>(walloc_ptr(w.get(), x));
        poke(xp, 1, a); // x's extent now links to a
        for (int k = 0; k < 4; k++) {
            walloc_handle h = walloc_alloc(w.get(), big, WALLOC_TIER_TOP);
            EXPECT_NE(h, a) << (reset ? "after a reset" : "handed out whole") << ": the live block was handed out again";
        }
    }
}
