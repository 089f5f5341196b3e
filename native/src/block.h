/*
 * block.h - what the allocator stores inside free blocks, and sanitizer poisoning.
 *
 * A free block's first 8 bytes hold a link (the next free block's handle); a free large extent
 * holds its size, link and check word. Everything else about blocks lives outside them.
 *
 * The link accessors are exempt from ASan and TSan on purpose: free blocks are poisoned (so a
 * use-after-free inside a tier is reported), and a caller may be writing into a block it freed
 * while the allocator reads the link there (what it reads is validated before it is used).
 * Those reads are the only intended touches of free memory.
 */
#ifndef WALLOC_BLOCK_H
#define WALLOC_BLOCK_H

#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__)
#define WALLOC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WALLOC_ASAN 1
#endif
#endif

#ifdef WALLOC_ASAN
#include <sanitizer/asan_interface.h>
#define block_poison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define block_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define block_poison(p, n) ((void)(p), (void)(n))
#define block_unpoison(p, n) ((void)(p), (void)(n))
#endif

#if defined(__SANITIZE_THREAD__)
#define WALLOC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WALLOC_TSAN 1
#endif
#endif

/* Sanitizer builds keep the accessors out of line: an exempt function inlined into an
 * instrumented one would lose its exemption. Plain builds inline them (a single mov). */
#if defined(WALLOC_ASAN) || defined(WALLOC_TSAN)
#define WALLOC_NO_SANITIZE static __attribute__((no_sanitize("address", "thread"), noinline, unused))
#else
#define WALLOC_NO_SANITIZE static inline
#endif

/* Word i (8 bytes each) of the block at p. Relaxed: ordering comes from the freelist CAS. */
WALLOC_NO_SANITIZE uint64_t block_word_load(const void *p, unsigned i)
{
    return __atomic_load_n((const uint64_t *)p + i, __ATOMIC_RELAXED);
}

WALLOC_NO_SANITIZE void block_word_store(void *p, unsigned i, uint64_t v)
{
    __atomic_store_n((uint64_t *)p + i, v, __ATOMIC_RELAXED);
}

#endif
