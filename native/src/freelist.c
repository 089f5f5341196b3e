/*
 * freelist.c - tagged lock-free stacks. See freelist.h.
 */
#include "freelist.h"

#include "block.h"
#include "tier.h"

#define EMPTY_INDEX 0xFFFFFFFFu

static inline uint64_t index_to_handle(const struct tier *t, uint32_t idx)
{
    return idx == EMPTY_INDEX ? WALLOC_NULL : t->index_base + ((uint64_t)idx << t->align_shift);
}

static inline uint32_t handle_to_index(const struct tier *t, uint64_t h)
{
    return h == WALLOC_NULL ? EMPTY_INDEX : (uint32_t)((h - t->index_base) >> t->align_shift);
}

static inline uint64_t pack(uint64_t old, uint32_t idx)
{
    return (((old >> 32) + 1) << 32) | idx;
}

/* A link read from a free block may be stale (another thread took the block and wrote into
 * it) or corrupted (a caller wrote into a freed block). Before following it, make sure it names
 * a block of this tier inside what the tier handed out, so a walk can never leave the tier;
 * the tag check then rejects a stale chain. */
static bool link_plausible(const struct tier *t, uint64_t h, uint64_t block_size)
{
    return h == WALLOC_NULL || tier_block_ok(t, h, block_size);
}

void freelist_push_chain(const struct tier *t, struct freelist *fl, uint64_t first, uint64_t last,
                         uint64_t bytes)
{
    void *last_ptr = handle_ptr(t->owner, last);
    /* Counted before the block is visible, so a pop's subtraction never precedes it. */
    counter_add(&fl->bytes, bytes);
    uint64_t old = atomic_load_explicit(&fl->head, memory_order_relaxed);
    uint64_t next;
    do {
        block_word_store(last_ptr, 0, index_to_handle(t, (uint32_t)old));
        next = pack(old, handle_to_index(t, first));
    } while (!atomic_compare_exchange_weak_explicit(&fl->head, &old, next, memory_order_release,
                                                    memory_order_relaxed));
}

uint64_t freelist_pop_chain(const struct tier *t, struct freelist *fl, unsigned max,
                            uint64_t block_size, unsigned *count)
{
    uint64_t old = atomic_load_explicit(&fl->head, memory_order_acquire);
    for (;;) {
        uint64_t first = index_to_handle(t, (uint32_t)old);
        if (first == WALLOC_NULL) {
            *count = 0;
            return WALLOC_NULL;
        }
        uint64_t last = first;
        uint64_t next = block_word_load(handle_ptr(t->owner, last), 0);
        unsigned n = 1;
        bool bad = false;
        while (n < max && next != WALLOC_NULL && (bad = !link_plausible(t, next, block_size)) == false) {
            last = next;
            next = block_word_load(handle_ptr(t->owner, last), 0);
            n++;
        }
        if (!bad && !link_plausible(t, next, block_size))
            bad = true;
        if (bad) {
            uint64_t again = atomic_load_explicit(&fl->head, memory_order_acquire);
            if (again != old) { /* a concurrent change: the walk read a stale link */
                old = again;
                continue;
            }
            /* The stack really holds a bad link: a block was written after it was freed. Drop
             * the rest of the list rather than follow it out of the tier. */
            next = WALLOC_NULL;
        }
        if (atomic_compare_exchange_weak_explicit(&fl->head, &old, pack(old, handle_to_index(t, next)),
                                                  memory_order_acquire, memory_order_acquire)) {
            block_word_store(handle_ptr(t->owner, last), 0, WALLOC_NULL);
            counter_sub(&fl->bytes, (uint64_t)n * block_size);
            *count = n;
            return first;
        }
    }
}

void freelist_clear(struct freelist *fl)
{
    uint64_t old = atomic_load_explicit(&fl->head, memory_order_relaxed);
    atomic_store_explicit(&fl->head, pack(old, EMPTY_INDEX), memory_order_release);
    atomic_store_explicit(&fl->bytes, 0, memory_order_relaxed);
}
