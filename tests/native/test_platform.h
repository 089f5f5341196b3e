// test_platform.h - what the tests ask the operating system about memory, on POSIX and Windows:
// resident pages of a range, the process's resident size, and guard pages.
#ifndef WALLOC_TEST_PLATFORM_H
#define WALLOC_TEST_PLATFORM_H

#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#include <psapi.h>
#else
#include <cstdio>
#include <cstdlib>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace test_platform {

inline size_t page_size() {
#if defined(_WIN32)
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwPageSize;
#else
    return static_cast<size_t>(sysconf(_SC_PAGESIZE));
#endif
}

// Resident pages of [p, p + n); -1 when the range is not mapped (reserved or in use) at all.
inline long resident_pages(const void *p, size_t n) {
    const size_t page = page_size();
    long r = 0;
#if defined(_WIN32)
    MEMORY_BASIC_INFORMATION mbi;
    if (VirtualQuery(p, &mbi, sizeof mbi) == 0 || mbi.State == MEM_FREE) return -1;
    std::vector<PSAPI_WORKING_SET_EX_INFORMATION> info((n + page - 1) / page);
    for (size_t i = 0; i < info.size(); i++)
        info[i].VirtualAddress = const_cast<char *>(static_cast<const char *>(p) + i * page);
    if (!QueryWorkingSetEx(GetCurrentProcess(), info.data(),
                           static_cast<DWORD>(info.size() * sizeof info[0])))
        return -1;
    for (const auto &e : info) r += e.VirtualAttributes.Valid;
#else
    std::vector<unsigned char> vec((n + page - 1) / page);
    if (mincore(const_cast<void *>(p), n, vec.data()) != 0) return -1;
    for (unsigned char v : vec) r += v & 1;
#endif
    return r;
}

// The process's resident memory in KiB.
inline long process_rss_kib() {
#if defined(_WIN32)
    PROCESS_MEMORY_COUNTERS c;
    if (!GetProcessMemoryInfo(GetCurrentProcess(), &c, sizeof c)) return 0;
    return static_cast<long>(c.WorkingSetSize / 1024);
#else
    FILE *f = std::fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return resident * static_cast<long>(page_size() / 1024);
#endif
}

// Address space only (no access, no RAM), as an instance reserves it.
inline void *reserve(size_t bytes) {
#if defined(_WIN32)
    return VirtualAlloc(nullptr, bytes, MEM_RESERVE, PAGE_NOACCESS);
#else
    void *p = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
#endif
}

inline void release(void *p, size_t bytes) {
#if defined(_WIN32)
    (void)bytes;
    VirtualFree(p, 0, MEM_RELEASE);
#else
    munmap(p, bytes);
#endif
}

// `pages` readable and writable pages between two pages that fault on any access
// ([no access][pages][no access]); returns the first usable byte (unmap with unmap_guarded).
inline unsigned char *map_guarded(size_t pages) {
    const size_t page = page_size(), total = (pages + 2) * page;
#if defined(_WIN32)
    auto *m = static_cast<unsigned char *>(VirtualAlloc(nullptr, total, MEM_RESERVE, PAGE_NOACCESS));
    if (m == nullptr || VirtualAlloc(m + page, pages * page, MEM_COMMIT, PAGE_READWRITE) == nullptr)
        return nullptr;
#else
    void *v = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (v == MAP_FAILED) return nullptr;
    auto *m = static_cast<unsigned char *>(v);
    if (mprotect(m + page, pages * page, PROT_READ | PROT_WRITE) != 0) return nullptr;
#endif
    return m + page;
}

inline void unmap_guarded(unsigned char *first, size_t pages) {
    const size_t page = page_size();
#if defined(_WIN32)
    (void)pages;
    VirtualFree(first - page, 0, MEM_RELEASE);
#else
    munmap(first - page, (pages + 2) * page);
#endif
}

// A page-aligned heap buffer (posix_memalign / _aligned_malloc).
inline void *aligned_buffer(size_t n) {
#if defined(_WIN32)
    return _aligned_malloc(n ? n : 1, 4096);
#else
    void *p = nullptr;
    return posix_memalign(&p, 4096, n ? n : 1) == 0 ? p : nullptr;
#endif
}

inline void free_aligned_buffer(void *p) {
#if defined(_WIN32)
    _aligned_free(p);
#else
    free(p);
#endif
}

}  // namespace test_platform

#endif  // WALLOC_TEST_PLATFORM_H
