// The call gate's cost (walloc_gate.h) on the path a JNI call takes: the same 64-byte
// alloc + free pair of BOTTOM, each call made by host glue in C (bench_gate_host.c, a separate
// translation unit, like native/jni/walloc_jni.c), bare, inside the native gate (inline fast path,
// and through the exported functions), and inside a striped counter gate (two atomic
// read-modify-writes per call). One instance; 1 and 2 threads. Names: gate_pair/<guard>/64.
#include <benchmark/benchmark.h>

#include "bench_gate_host.h"

namespace {

template <host_guard G>
void BM_gate_pair(benchmark::State &state) {
    static const bool ready = host_init(); // one instance and gate for every run
    if (!ready) {
        state.SkipWithError("walloc_create failed");
        return;
    }
    for (auto _ : state) {
        walloc_handle h = host_alloc(G, 64);
        benchmark::DoNotOptimize(h);
        host_free(G, h, 64);
    }
}

} // namespace

BENCHMARK(BM_gate_pair<GUARD_BARE>)->Name("gate_pair/bare/64")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_gate_pair<GUARD_NATIVE_GATE>)->Name("gate_pair/native_gate/64")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_gate_pair<GUARD_NATIVE_GATE_CALLS>)->Name("gate_pair/native_gate_calls/64")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_gate_pair<GUARD_COUNTER>)->Name("gate_pair/counter_gate/64")->Threads(1)->Threads(2)->UseRealTime();

BENCHMARK_MAIN();
