// What an allocation profile (walloc_config.profile) costs the 64 B alloc + free pair of
// BOTTOM, against the same pair without one, in the same process (one instance per mode):
//   profile_pair/off/64         no profile: the fast paths
//   profile_pair/rate0/64       a profile, nothing sampled (hosts that sample themselves, between
//                               their samples): still the fast paths
//   profile_pair/host1000/64    a profile; every 1000th pair is a walloc_alloc_site sample, as a
//                               host that samples one in 1000 makes them (Java, JavaScript)
//   profile_pair/rate1000/64    the core samples one walloc_alloc in 1000 (return addresses):
//                               every allocation takes the counted path
//   profile_pair/rate1/64       the core samples every allocation
// 1 and 2 threads (one instance shared by both). Names: profile_pair/<mode>/64.
#include <benchmark/benchmark.h>

#include "walloc.h"

namespace {

enum Mode { OFF, RATE0, HOST1000, RATE1000, RATE1, MODES };

walloc *instance(Mode m)
{
    static walloc *w[MODES];
    static const bool made = [] {
        for (int i = 0; i < MODES; i++) {
            walloc_config c = walloc_config_default();
            c.capacity = 256u << 20;
            c.profile = i != OFF;
            c.profile_rate = i == RATE1000 ? 1000 : i == RATE1 ? 1 : 0;
            w[i] = walloc_create(&c);
        }
        return true;
    }();
    (void)made;
    return w[m];
}

template <Mode M>
inline void pair(walloc *w, unsigned &countdown)
{
    walloc_handle h;
    if (M == HOST1000 && --countdown == 0) {
        countdown = 1000;
        h = walloc_alloc_site(w, 64, WALLOC_TIER_BOTTOM, 1);
    } else {
        h = walloc_alloc(w, 64, WALLOC_TIER_BOTTOM);
    }
    benchmark::DoNotOptimize(h);
    walloc_free(w, h, 64);
}

template <Mode M>
void BM_profile_pair(benchmark::State &state)
{
    walloc *w = instance(M);
    if (w == nullptr) {
        state.SkipWithError("walloc_create failed");
        return;
    }
    // Untimed warm-up: the thread's cache and spans exist before the loop, and under callgrind
    // (bench/native/profile.sh, which averages over every call) these pairs outweigh the first
    // call's set-up however few timed iterations run.
    unsigned countdown = 1000;
    for (int i = 0; i < 100000; i++)
        pair<M>(w, countdown);
    for (auto _ : state)
        pair<M>(w, countdown);
}

} // namespace

BENCHMARK(BM_profile_pair<OFF>)->Name("profile_pair/off/64")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_profile_pair<RATE0>)->Name("profile_pair/rate0/64")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_profile_pair<HOST1000>)->Name("profile_pair/host1000/64")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_profile_pair<RATE1000>)->Name("profile_pair/rate1000/64")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_profile_pair<RATE1>)->Name("profile_pair/rate1/64")->Threads(1)->Threads(2)->UseRealTime();

BENCHMARK_MAIN();
