// Iteration counts for the stress tests: full size in plain and ASan builds, smaller under
// ThreadSanitizer (10-20x slower), overridable with WALLOC_STRESS_SCALE (a percentage).
#pragma once

#include <cstdint>
#include <cstdlib>

#if defined(__SANITIZE_THREAD__)
#define WALLOC_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WALLOC_TEST_TSAN 1
#endif
#endif

inline uint64_t stress_iterations(uint64_t full)
{
    uint64_t percent = 100;
#ifdef WALLOC_TEST_TSAN
    percent = 10;
#endif
    if (const char *env = std::getenv("WALLOC_STRESS_SCALE"))
        percent = std::strtoull(env, nullptr, 10);
    uint64_t n = full * percent / 100;
    return n ? n : 1;
}
