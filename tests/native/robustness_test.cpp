// Free blocks are ordinary memory inside the tier: a careless (or hostile) caller can write into
// them after freeing, and walloc_write allows it (it checks tiers, not blocks). Whatever lands
// on the links the allocator keeps there, every block it hands out afterwards must still lie
// inside its tier, aligned, with room for the request: never a crash, never a write outside.
#include "walloc_fixture.h"

#include <map>

// Writes into freed (ASan-poisoned) memory on purpose.
__attribute__((no_sanitize("address"))) static void scribble(void *p, uint64_t size, uint64_t a, uint64_t b)
{
    std::memcpy(p, &a, 8);
    if (size >= 16)
        std::memcpy((uint8_t *)p + 8, &b, 8);
}

static void run(int checked)
{
    auto w = make_walloc(32u << 20, checked);
    Rng rng(99 + checked);
    const uint64_t hostile[] = {0, 1, 8, 4096, 1ull << 40, WALLOC_NULL - 7, 0xDEADBEEFull, 127};
    for (int round = 0; round < 200; round++) {
        std::vector<std::pair<walloc_handle, uint64_t>> blocks;
        for (int i = 0; i < 300; i++) {
            walloc_tier t = kTiers[rng.below(3)];
            uint64_t size = rng.below(10) == 0 ? 65537 + rng.below(200000) : 8 + rng.below(3000);
            walloc_handle h = walloc_alloc(w.get(), size, t);
            if (h != WALLOC_NULL)
                blocks.emplace_back(h, size);
        }
        for (auto &[h, size] : blocks)
            ASSERT_EQ(walloc_free(w.get(), h, size), WALLOC_OK);
        // Scribble on freed blocks: in-tier-looking values, misaligned ones, far away ones.
        for (auto &[h, size] : blocks) {
            void *p = walloc_ptr(w.get(), h); // NULL once a large block went back to the head
            if (p == nullptr || rng.below(3) != 0)
                continue;
            uint64_t a = rng.below(2) ? hostile[rng.below(8)] : h + 8 * rng.below(1u << 20);
            uint64_t b = rng.below(2) ? hostile[rng.below(8)] : rng.next();
            scribble(p, size, a, b);
        }
        std::map<walloc_handle, uint64_t> live;
        for (int i = 0; i < 600; i++) {
            walloc_tier t = kTiers[rng.below(3)];
            uint64_t size = rng.below(10) == 0 ? 65537 + rng.below(200000) : 8 + rng.below(3000);
            walloc_handle h = walloc_alloc(w.get(), size, t);
            if (h == WALLOC_NULL)
                continue;
            walloc_tier where;
            ASSERT_EQ(walloc_tier_of(w.get(), h, &where), WALLOC_OK) << "handed out " << h;
            ASSERT_EQ(where, t);
            ASSERT_EQ(h % walloc_tier_alignment(t), 0u);
            // The whole request lies inside what the tier handed out: writable, no crash.
            ASSERT_EQ(walloc_write(w.get(), h, std::vector<uint8_t>(size, 0x5A).data(), size), WALLOC_OK);
            live[h] = size;
        }
        for (auto &[h, size] : live)
            walloc_free(w.get(), h, size); // may legitimately report an error after corruption
        if (round % 50 == 49)
            for (walloc_tier t : kTiers)
                ASSERT_EQ(walloc_reset_tier(w.get(), t), WALLOC_OK);
    }
}

TEST(Robustness, CorruptedFreeBlocksNeverSendAllocationsOutsideTheTier) { run(0); }
TEST(Robustness, CorruptedFreeBlocksInCheckedMode) { run(1); }
