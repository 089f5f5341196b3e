// Shared helpers of the native tests: RAII instance, stats shorthand, byte patterns.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "walloc.h"

struct WallocDeleter {
    void operator()(walloc *w) const { walloc_destroy(w); }
};
using WallocPtr = std::unique_ptr<walloc, WallocDeleter>;

inline WallocPtr make_walloc(uint64_t capacity = 64u << 20, int checked = 1,
                             double top = 0.5, double middle = 0.3, double bottom = 0.2)
{
    walloc_config c = walloc_config_default();
    c.capacity = capacity;
    c.tier_ratio[0] = top;
    c.tier_ratio[1] = middle;
    c.tier_ratio[2] = bottom;
    c.checked = checked;
    return WallocPtr(walloc_create(&c));
}

inline walloc_stats stats_of(walloc *w, walloc_tier t)
{
    walloc_stats s;
    EXPECT_EQ(walloc_tier_stats(w, t, &s), WALLOC_OK);
    return s;
}

constexpr walloc_tier kTiers[] = {WALLOC_TIER_TOP, WALLOC_TIER_MIDDLE, WALLOC_TIER_BOTTOM};

// The byte at offset i of a block whose pattern seed is seed.
inline uint8_t pattern_byte(uint64_t seed, uint64_t i)
{
    uint64_t x = (seed + i) * 0x9E3779B97F4A7C15ull;
    return (uint8_t)(x >> 56);
}

inline void fill_pattern(uint8_t *p, uint64_t n, uint64_t seed)
{
    for (uint64_t i = 0; i < n; i++)
        p[i] = pattern_byte(seed, i);
}

inline bool check_pattern(const uint8_t *p, uint64_t n, uint64_t seed)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i] != pattern_byte(seed, i))
            return false;
    return true;
}

// A deterministic, fast PRNG (xorshift64*), so failures reproduce from the seed.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed ? seed : 1) {}
    uint64_t next()
    {
        s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
        return s * 0x2545F4914F6CDD1Dull;
    }
    uint64_t below(uint64_t n) { return next() % n; }
};
