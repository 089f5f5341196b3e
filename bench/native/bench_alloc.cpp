// Allocation benchmarks: Walloc against one malloc peer, in the same process.
//
// Built three times (see CMakeLists.txt): WALLOC_BENCH_PEER is "glibc", "mimalloc" or "jemalloc",
// and the peer's library, linked into the executable, replaces malloc for the whole process.
//
// Benchmarks, for 32 B, 64 B, 256 B, 1 KiB, 4 KiB and 64 KiB, on 1 and 2 threads:
//   alloc_pair/<who>/<size>        one allocation then its free, repeated
//   alloc_batch1000/<who>/<size>   1000 allocations, then the 1000 frees (in allocation order)
// and, for 64 B, 256 B and 4 KiB, on 2 threads (wall time over both threads' iterations, as
// for the others: half the time per block that crossed, for Walloc and its peer alike):
//   prodcons/<who>/<size>          thread 0 allocates, thread 1 frees (blocks cross in one
//                                  direction, through a ring of 1024)
//   exchange/<who>/<size>          each thread allocates blocks the other frees (both directions)
// <who> is the peer's name, walloc_bottom (Walloc, BOTTOM tier, 8-byte alignment) or walloc_top
// (TOP tier, 128-byte alignment, for a few sizes). All times are wall-clock (UseRealTime); with 2
// threads Google Benchmark reports wall time divided by the operations of both threads, i.e. the
// inverse of the aggregate throughput.
//
// Rules that keep the numbers honest:
//   - every thread warms up (two untimed batches of its size) before the timed loop, so first-touch
//     page faults (2-16 us per page in this VM) are not measured by accident;
//   - every pointer / handle is published through benchmark::DoNotOptimize, so the compiler cannot
//     delete malloc/free pairs;
//   - with 2 threads each thread allocates its own blocks; Walloc uses ONE instance shared by both
//     threads (the contended case its per-thread caches are for);
//   - memory is not touched: both sides measure allocator bookkeeping only.
#include <benchmark/benchmark.h>

#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "walloc.h"

#if defined(WALLOC_BENCH_MIMALLOC)
#include <mimalloc.h>
#endif

#ifndef WALLOC_BENCH_PEER
#error "WALLOC_BENCH_PEER must name the malloc peer (glibc, mimalloc, jemalloc)"
#endif

namespace {

constexpr size_t kBatch = 1000;
const size_t kSizes[] = {32, 64, 256, 1024, 4096, 65536};
// Sizes also measured in the TOP tier (128-byte alignment).
const size_t kTopSizes[] = {256, 4096};
// Sizes of the blocks that cross threads.
const size_t kCrossSizes[] = {64, 256, 4096};

walloc *g_w = nullptr;

// ---- peer: the process's malloc -----------------------------------------------------------------

void peer_batch_once(std::vector<void *> &v, size_t n) {
    for (size_t i = 0; i < kBatch; i++) {
        v[i] = malloc(n);
        benchmark::DoNotOptimize(v[i]);
    }
    benchmark::ClobberMemory();
    for (size_t i = 0; i < kBatch; i++) free(v[i]);
}

void BM_peer_pair(benchmark::State &st, size_t n) {
    std::vector<void *> v(kBatch);
    peer_batch_once(v, n);
    peer_batch_once(v, n);
    for (auto _ : st) {
        void *p = malloc(n);
        benchmark::DoNotOptimize(p);
        free(p);
    }
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}

void BM_peer_batch(benchmark::State &st, size_t n) {
    std::vector<void *> v(kBatch);
    peer_batch_once(v, n);
    peer_batch_once(v, n);
    for (auto _ : st) peer_batch_once(v, n);
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kBatch));
}

// ---- Walloc: one shared instance ------------------------------------------------------------------

bool walloc_batch_once(std::vector<walloc_handle> &v, size_t n, walloc_tier t) {
    for (size_t i = 0; i < kBatch; i++) {
        v[i] = walloc_alloc(g_w, n, t);
        benchmark::DoNotOptimize(v[i]);
    }
    benchmark::ClobberMemory();
    bool ok = true;
    for (size_t i = 0; i < kBatch; i++) {
        if (__builtin_expect(v[i] == WALLOC_NULL, 0)) { ok = false; continue; }
        if (__builtin_expect(walloc_free(g_w, v[i], n) != WALLOC_OK, 0)) ok = false;
    }
    return ok;
}

void BM_walloc_pair(benchmark::State &st, size_t n, walloc_tier t) {
    std::vector<walloc_handle> v(kBatch);
    if (!walloc_batch_once(v, n, t) || !walloc_batch_once(v, n, t)) {
        st.SkipWithError("walloc warm-up failed");
        for (auto _ : st) {}
        return;
    }
    bool ok = true;
    for (auto _ : st) {
        walloc_handle h = walloc_alloc(g_w, n, t);
        benchmark::DoNotOptimize(h);
        if (__builtin_expect(h == WALLOC_NULL, 0) || walloc_free(g_w, h, n) != WALLOC_OK) {
            ok = false;
            break;
        }
    }
    if (!ok) st.SkipWithError("walloc_alloc/walloc_free failed");
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}

void BM_walloc_batch(benchmark::State &st, size_t n, walloc_tier t) {
    std::vector<walloc_handle> v(kBatch);
    if (!walloc_batch_once(v, n, t) || !walloc_batch_once(v, n, t)) {
        st.SkipWithError("walloc warm-up failed");
        for (auto _ : st) {}
        return;
    }
    bool ok = true;
    for (auto _ : st) {
        if (__builtin_expect(!walloc_batch_once(v, n, t), 0)) {
            ok = false;
            break;
        }
    }
    if (!ok) st.SkipWithError("walloc_alloc/walloc_free failed");
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kBatch));
}

// ---- blocks that cross threads --------------------------------------------------------------------

// A single-producer single-consumer ring of pointers or handles.
struct Ring {
    static constexpr size_t kCap = 1024;
    std::atomic<uint64_t> head{0}, tail{0}; // written by the consumer / the producer
    uint64_t slots[kCap];
    void push(uint64_t v) {
        uint64_t t = tail.load(std::memory_order_relaxed);
        while (t - head.load(std::memory_order_acquire) == kCap) {}
        slots[t % kCap] = v;
        tail.store(t + 1, std::memory_order_release);
    }
    uint64_t pop() {
        uint64_t h = head.load(std::memory_order_relaxed);
        while (tail.load(std::memory_order_acquire) == h) {}
        uint64_t v = slots[h % kCap];
        head.store(h + 1, std::memory_order_release);
        return v;
    }
};
Ring g_ring[2]; // [0]: thread 0 -> thread 1, [1]: thread 1 -> thread 0

// An allocator under test as two functions on 64-bit values (pointers or handles).
struct Peer {
    static uint64_t alloc(size_t n) { return reinterpret_cast<uint64_t>(malloc(n)); }
    static void free_(uint64_t p, size_t) { free(reinterpret_cast<void *>(p)); }
};
struct Walloc {
    static uint64_t alloc(size_t n) { return walloc_alloc(g_w, n, WALLOC_TIER_BOTTOM); }
    static void free_(uint64_t h, size_t n) { walloc_free(g_w, h, n); }
};

// Thread 0 allocates, thread 1 frees: every free is a free from another thread.
template <class A>
void BM_prodcons(benchmark::State &st, size_t n) {
    Ring &r = g_ring[0];
    for (auto _ : st) {
        if (st.thread_index() == 0) {
            uint64_t p = A::alloc(n);
            benchmark::DoNotOptimize(p);
            r.push(p);
        } else {
            A::free_(r.pop(), n);
        }
    }
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}

// Both threads allocate blocks for the other to free, and free the other's. Each first hands the
// other kSlack blocks, so that neither waits for the other in the timed loop (which would time
// the threads' handshake, not the allocator), and frees the other's last kSlack after it.
template <class A>
void BM_exchange(benchmark::State &st, size_t n) {
    constexpr int kSlack = 256;
    const int me = st.thread_index();
    Ring &out = g_ring[me], &in = g_ring[1 - me];
    for (int i = 0; i < kSlack; i++)
        out.push(A::alloc(n));
    for (auto _ : st) {
        uint64_t p = A::alloc(n);
        benchmark::DoNotOptimize(p);
        out.push(p);
        A::free_(in.pop(), n);
    }
    for (int i = 0; i < kSlack; i++)
        A::free_(in.pop(), n);
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}

// ---- registration -------------------------------------------------------------------------------

void configure(benchmark::internal::Benchmark *b) {
    b->Threads(1)->Threads(2)->UseRealTime();
}

void register_all() {
    const std::string peer = WALLOC_BENCH_PEER;
    // Pairs first, then batches; within a size, Walloc and its peer run back to back so that
    // drifting machine load hits both sides alike.
    for (size_t n : kSizes) {
        const std::string sz = std::to_string(n);
        configure(benchmark::RegisterBenchmark(("alloc_pair/walloc_bottom/" + sz).c_str(),
                                               BM_walloc_pair, n, WALLOC_TIER_BOTTOM));
        configure(benchmark::RegisterBenchmark(("alloc_pair/" + peer + "/" + sz).c_str(),
                                               BM_peer_pair, n));
    }
    for (size_t n : kTopSizes) {
        configure(benchmark::RegisterBenchmark(
            ("alloc_pair/walloc_top/" + std::to_string(n)).c_str(), BM_walloc_pair, n,
            WALLOC_TIER_TOP));
    }
    for (size_t n : kSizes) {
        const std::string sz = std::to_string(n);
        configure(benchmark::RegisterBenchmark(("alloc_batch1000/walloc_bottom/" + sz).c_str(),
                                               BM_walloc_batch, n, WALLOC_TIER_BOTTOM));
        configure(benchmark::RegisterBenchmark(("alloc_batch1000/" + peer + "/" + sz).c_str(),
                                               BM_peer_batch, n));
    }
    for (size_t n : kTopSizes) {
        configure(benchmark::RegisterBenchmark(
            ("alloc_batch1000/walloc_top/" + std::to_string(n)).c_str(), BM_walloc_batch, n,
            WALLOC_TIER_TOP));
    }
    // Blocks that cross threads: 2 threads only.
    for (size_t n : kCrossSizes) {
        const std::string sz = std::to_string(n);
        benchmark::RegisterBenchmark(("prodcons/walloc_bottom/" + sz).c_str(), BM_prodcons<Walloc>, n)->Threads(2)->UseRealTime();
        benchmark::RegisterBenchmark(("prodcons/" + peer + "/" + sz).c_str(), BM_prodcons<Peer>, n)->Threads(2)->UseRealTime();
        benchmark::RegisterBenchmark(("exchange/walloc_bottom/" + sz).c_str(), BM_exchange<Walloc>, n)->Threads(2)->UseRealTime();
        benchmark::RegisterBenchmark(("exchange/" + peer + "/" + sz).c_str(), BM_exchange<Peer>, n)->Threads(2)->UseRealTime();
    }
}

// Which shared object provides malloc in this process: proves the peer really replaced it.
std::string malloc_provider() {
    void *sym = dlsym(RTLD_DEFAULT, "malloc");
    Dl_info info;
    if (sym != nullptr && dladdr(sym, &info) != 0 && info.dli_fname != nullptr)
        return info.dli_fname;
    return "unknown";
}

}  // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    const std::string provider = malloc_provider();
    const std::string peer = WALLOC_BENCH_PEER;
    if (peer != "glibc" && provider.find(peer) == std::string::npos) {
        std::fprintf(stderr, "bench_alloc_%s: malloc comes from %s, not %s\n", peer.c_str(),
                     provider.c_str(), peer.c_str());
        return 1;
    }
    benchmark::AddCustomContext("walloc_peer", peer);
    benchmark::AddCustomContext("malloc_provider", provider);
#if defined(WALLOC_BENCH_MIMALLOC)
    benchmark::AddCustomContext("mimalloc_version", std::to_string(mi_version()));
#endif

    // One instance for every Walloc benchmark, shared by all threads. The largest working set is
    // 2 threads x 1000 x 64 KiB = 128 MiB in one tier; capacity is only reserved address space
    // and is committed as tiers grow, so a generous capacity costs nothing.
    walloc_config cfg = walloc_config_default();
    cfg.capacity = 8ull << 30;
    cfg.tier_ratio[WALLOC_TIER_TOP] = 0.25;
    cfg.tier_ratio[WALLOC_TIER_MIDDLE] = 0.05;
    cfg.tier_ratio[WALLOC_TIER_BOTTOM] = 0.70;
    cfg.checked = 0;
    g_w = walloc_create(&cfg);
    if (g_w == nullptr) {
        std::fprintf(stderr, "walloc_create failed\n");
        return 1;
    }

    register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    walloc_stats s[2];
    walloc_tier_stats(g_w, WALLOC_TIER_BOTTOM, &s[0]);
    walloc_tier_stats(g_w, WALLOC_TIER_TOP, &s[1]);
    std::fprintf(stderr,
                 "walloc after the run: BOTTOM head %.1f MiB peak %.1f MiB committed %.1f MiB; "
                 "TOP head %.1f MiB committed %.1f MiB\n",
                 s[0].bump_head / 1048576.0, s[0].peak / 1048576.0, s[0].committed / 1048576.0,
                 s[1].bump_head / 1048576.0, s[1].committed / 1048576.0);
    walloc_destroy(g_w);
    return 0;
}
