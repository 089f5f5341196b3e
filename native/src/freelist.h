/*
 * freelist.h - the shared, lock-free freelist of one size class of a tier.
 *
 * A Treiber stack of blocks linked through their first word, with a head that packs a 32-bit
 * block index and a 32-bit tag incremented by every successful push and pop. Because any
 * change to the stack changes the tag, an unchanged head word means an unchanged stack: that
 * makes it ABA-safe, and it lets a pop take a whole chain of up to N blocks with one CAS
 * (thread caches refill and flush in batches). Push is release, pop is acquire.
 */
#ifndef WALLOC_FREELIST_H
#define WALLOC_FREELIST_H

#include "internal.h"

/* Pushes the chain first..last (already linked through their first word; last's link is
 * overwritten) holding bytes bytes. */
void freelist_push_chain(const struct tier *t, struct freelist *fl, uint64_t first, uint64_t last,
                         uint64_t bytes);

/* Pops up to max blocks of block_size bytes as a chain (last link WALLOC_NULL). Returns the
 * first handle or WALLOC_NULL when empty; *count gets the chain's length. */
uint64_t freelist_pop_chain(const struct tier *t, struct freelist *fl, unsigned max,
                            uint64_t block_size, unsigned *count);

/* Forgets every block (reset/compact). Not concurrent with pushes or pops of this tier. */
void freelist_clear(struct freelist *fl);

#endif
