// Size classes: a class always fits its request, wastes at most 25 % beyond the tier's
// alignment, and a freed block is only reused for requests it fits.
#include "walloc_fixture.h"

extern "C" {
#include "size_class.h"
}

#include <map>

TEST(SizeClass, EveryRequestFitsItsClassAndWasteIsBounded)
{
    for (unsigned shift : {3u, 6u, 7u}) {
        uint64_t align = 1ull << shift;
        unsigned prev_class = 0;
        for (uint64_t size = 1; size <= WALLOC_MAX_CLASS_SIZE; size++) {
            unsigned c = size_class_for(size, shift);
            uint64_t cs = size_class_size(c, shift);
            ASSERT_GE(cs, size) << "class smaller than request: size " << size << " align " << align;
            ASSERT_EQ(cs % align, 0u);
            ASSERT_LT(c, size_class_count(shift));
            ASSERT_GE(c, prev_class); // monotone
            prev_class = c;
            uint64_t aligned = (size + align - 1) / align * align;
            // Rounding beyond the alignment is under a quarter of the request.
            ASSERT_LE((cs - aligned) * 4, size) << "size " << size << " class " << cs;
        }
        ASSERT_EQ(size_class_size(size_class_count(shift) - 1, shift), WALLOC_MAX_CLASS_SIZE);
        for (unsigned c = 0; c < size_class_count(shift); c++) {
            ASSERT_EQ(size_class_for(size_class_size(c, shift), shift), c);
            if (c > 0)
                ASSERT_GT(size_class_size(c, shift), size_class_size(c - 1, shift));
        }
    }
    EXPECT_LE(size_class_count(3), WALLOC_CLASS_COUNT_MAX);
}

// The reference implementation picked classes by trailing zeros, so a freed 96-byte block
// could come back for a 120-byte request and overlap its neighbour. Here a block handed out
// for a request must never overlap another live block, whatever was freed before.
TEST(SizeClass, AFreedBlockIsOnlyReusedForARequestItFits)
{
    auto w = make_walloc(64u << 20, 0);
    for (walloc_tier t : kTiers) {
        std::map<walloc_handle, uint64_t> live; // start -> requested size
        Rng rng(7 + t);
        for (int i = 0; i < 20000; i++) {
            if (live.empty() || rng.below(2)) {
                uint64_t size = 1 + rng.below(rng.below(4) == 0 ? 70000 : 600);
                walloc_handle h = walloc_alloc(w.get(), size, t);
                ASSERT_NE(h, WALLOC_NULL);
                auto next = live.lower_bound(h);
                if (next != live.end())
                    ASSERT_LE(h + size, next->first) << "block of " << size << " overlaps the next";
                if (next != live.begin()) {
                    auto prev = std::prev(next);
                    ASSERT_LE(prev->first + prev->second, h) << "block overlaps the previous";
                }
                live[h] = size;
            } else {
                auto it = live.begin();
                std::advance(it, rng.below(live.size()));
                ASSERT_EQ(walloc_free(w.get(), it->first, it->second), WALLOC_OK);
                live.erase(it);
            }
        }
        for (auto &[h, s] : live)
            ASSERT_EQ(walloc_free(w.get(), h, s), WALLOC_OK);
    }
}

// The fast paths look classes up in tables; they must agree with size_class_for everywhere.
TEST(SizeClass, TheAllocatorUsesTheSameClassesAsTheFormula)
{
    auto w = make_walloc(64u << 20, 0);
    for (walloc_tier t : kTiers) {
        unsigned shift = t == WALLOC_TIER_TOP ? 7 : t == WALLOC_TIER_MIDDLE ? 6 : 3;
        for (uint64_t size = 1; size <= WALLOC_MAX_CLASS_SIZE; size += 1 + size / 64) {
            // Two back-to-back blocks of one class from an empty bin are one class size apart.
            ASSERT_EQ(walloc_reset_tier(w.get(), t), WALLOC_OK);
            walloc_handle a = walloc_alloc(w.get(), size, t), b = walloc_alloc(w.get(), size, t);
            ASSERT_NE(a, WALLOC_NULL);
            ASSERT_NE(b, WALLOC_NULL);
            ASSERT_EQ(b - a, size_class_size(size_class_for(size, shift), shift)) << "size " << size;
        }
    }
}
