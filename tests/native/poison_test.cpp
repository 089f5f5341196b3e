// AddressSanitizer builds poison free memory inside the region: a use-after-free within a tier,
// or a touch of memory the tier has not handed out, is reported like one on the heap. The
// tests exist only in ASan builds (the scripts/test-native.sh ASan run has them); elsewhere
// there is nothing to observe.
#include "walloc_fixture.h"

#if defined(__SANITIZE_ADDRESS__)
#define WALLOC_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WALLOC_TEST_ASAN 1
#endif
#endif

#ifdef WALLOC_TEST_ASAN

static void touch(volatile uint8_t *p)
{
    *p = 1;
}

TEST(PoisonDeathTest, UseAfterFreeInsideATierIsReported)
{
    auto w = make_walloc(16u << 20, 0);
    walloc_handle h = walloc_alloc(w.get(), 100, WALLOC_TIER_MIDDLE);
    uint8_t *p = (uint8_t *)walloc_ptr(w.get(), h);
    touch(p + 99); // live: fine
    ASSERT_EQ(walloc_free(w.get(), h, 100), WALLOC_OK);
    EXPECT_DEATH(touch(p + 50), "use-after-poison");
}

TEST(PoisonDeathTest, BytesPastTheRequestAreReported)
{
    auto w = make_walloc(16u << 20, 0);
    walloc_handle h = walloc_alloc(w.get(), 100, WALLOC_TIER_TOP); // a 128-byte block
    uint8_t *p = (uint8_t *)walloc_ptr(w.get(), h);
    EXPECT_DEATH(touch(p + 100), "use-after-poison");
    walloc_free(w.get(), h, 100);
}

TEST(PoisonDeathTest, LargeBlocksAndResetTiersArePoisoned)
{
    auto w = make_walloc(16u << 20, 0);
    walloc_handle big = walloc_alloc(w.get(), 300000, WALLOC_TIER_TOP);
    walloc_handle small = walloc_alloc(w.get(), 64, WALLOC_TIER_BOTTOM);
    uint8_t *pb = (uint8_t *)walloc_ptr(w.get(), big);
    uint8_t *ps = (uint8_t *)walloc_ptr(w.get(), small);
    touch(pb + 299999);
    ASSERT_EQ(walloc_free(w.get(), big, 300000), WALLOC_OK);
    EXPECT_DEATH(touch(pb + 4096), "use-after-poison");
    ASSERT_EQ(walloc_reset_tier(w.get(), WALLOC_TIER_BOTTOM), WALLOC_OK);
    EXPECT_DEATH(touch(ps), "use-after-poison");
}

#endif
