// Peak memory of a workload whose size classes change: eight phases, each allocating 100 MiB in
// blocks of one size and then freeing them all, the size different in every phase. Memory freed
// in one phase can only serve the next if the allocator lets one size class reuse another's.
//
// Run once per allocator, each in a process of its own (peak RSS is per process):
//   bench_phases_<peer> walloc   Walloc (BOTTOM tier of an instance reserving 64 GiB), through a
//                                malloc-like wrapper of the public API
//   bench_phases_<peer> peer     the process's malloc: glibc, mimalloc or jemalloc, linked as in
//                                bench_alloc
// Prints one JSON line: the allocator, the peak resident set (VmHWM) in bytes, and the seconds
// the phases took. Blocks are touched (one byte per page) so that RSS counts them.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "walloc.h"

namespace {

const size_t kPhaseBytes = 100u << 20;
const size_t kSizes[] = {24, 48, 128, 400, 1000, 3000, 8000, 20000};

walloc *g_w;

uint64_t peak_rss()
{
    FILE *f = std::fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kb = 0;
    while (f != nullptr && std::fgets(line, sizeof line, f) != nullptr)
        if (std::strncmp(line, "VmHWM:", 6) == 0)
            kb = std::strtoull(line + 6, nullptr, 10);
    if (f != nullptr)
        std::fclose(f);
    return kb * 1024;
}

template <class Alloc, class Free, class Ptr>
bool run(Alloc alloc, Free release, Ptr ptr)
{
    std::vector<uint64_t> blocks;
    for (size_t size : kSizes) {
        blocks.clear();
        for (size_t taken = 0; taken < kPhaseBytes; taken += size) {
            uint64_t b = alloc(size);
            if (b == 0)
                return false;
            uint8_t *p = ptr(b);
            for (size_t i = 0; i < size; i += 4096)
                p[i] = (uint8_t)i;
            p[size - 1] = 1;
            blocks.push_back(b);
        }
        for (uint64_t b : blocks)
            release(b, size);
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    std::string who = argc > 1 ? argv[1] : "";
    auto start = std::chrono::steady_clock::now();
    bool ok;
    if (who == "walloc") {
        walloc_config c = walloc_config_default();
        c.capacity = 64ull << 30;
        c.tier_ratio[0] = 0.1, c.tier_ratio[1] = 0.1, c.tier_ratio[2] = 0.8;
        c.checked = 0;
        g_w = walloc_create(&c);
        if (g_w == nullptr)
            return 1;
        // Handles + 1, so that handle 0 is not mistaken for a failed allocation.
        ok = run([](size_t n) { walloc_handle h = walloc_alloc(g_w, n, WALLOC_TIER_BOTTOM); return h == WALLOC_NULL ? 0 : h + 1; },
                 [](uint64_t b, size_t n) { walloc_free(g_w, b - 1, n); },
                 [](uint64_t b) { return (uint8_t *)walloc_ptr(g_w, b - 1); });
    } else if (who == "peer") {
        ok = run([](size_t n) { return (uint64_t)std::malloc(n); }, [](uint64_t b, size_t) { std::free((void *)b); },
                 [](uint64_t b) { return (uint8_t *)b; });
    } else {
        std::fprintf(stderr, "usage: %s walloc|peer\n", argv[0]);
        return 2;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"allocator\": \"%s\", \"peer\": \"%s\", \"ok\": %s, \"peak_rss\": %llu, \"seconds\": %.3f}\n",
                who.c_str(), WALLOC_BENCH_PEER, ok ? "true" : "false", (unsigned long long)peak_rss(), secs);
    return ok ? 0 : 1;
}
