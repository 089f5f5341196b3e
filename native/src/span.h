/*
 * span.h - spans: runs of a tier's pages that hold blocks of one size class.
 *
 * Every small block (up to the tier's small_max) lives in a span: a run of whole 4 KiB pages
 * cut from the tier like a large block (from a free extent or the bump head), divided into
 * blocks of one class. A span knows how many of its blocks are live; when none is, its pages
 * go back to the tier's free extents, where any class or a large block can take them. So memory
 * freed in one size class serves every other.
 *
 * Ownership. A span is owned by one thread's cache (tcache) or by nobody:
 *   - its owner allocates from it and frees into it without any atomic read-modify-write: the
 *     span's free list (links inside the free blocks: the next block's handle) and its
 *     counters are the owner's alone;
 *   - another thread frees into an owned span by pushing the block onto the span's remote list
 *     (one CAS); the owner takes the whole list with one exchange when it needs blocks (it looks
 *     at a few of its full spans each time its current one runs out), and a thread that runs
 *     out of room takes back every span whose blocks are all free, whoever owns it;
 *   - an unowned span (its thread exited, or it was handed back) is changed only under the
 *     tier's span lock; a thread adopts a partly free one from the tier's shared list.
 *
 * Free memory is read by the allocator only through links it validates before following (a
 * handle is used only if it lies in a block the span has handed out, aligned for the tier), so a
 * caller that writes into freed blocks can corrupt at most that span's free list (a block may
 * then be handed out twice), never send an allocation outside the span, let alone the tier.
 *
 * Lookup: the instance's page map (page_map.h) names the span of every page of its handle space.
 */
#ifndef WALLOC_SPAN_H
#define WALLOC_SPAN_H

#include "block.h"
#include "internal.h"
#include "page_map.h"

/* The end of a free list: larger than any block offset. */
#define SPAN_END UINT64_MAX

struct tcache;

/* One span, three cache lines: what a free reads (written when the span is made, and as it
 * carves), what its owner changes on every allocation and free, and the remote list that other
 * threads' frees push onto. A free from another thread then reads a line the owner rarely
 * writes, and writes one the owner only empties. */
struct span {
    /* Read by every free (set up when the span is made; last moves as it carves). */
    uint64_t lo;       /* handle of the first block */
    _Atomic(struct tcache *) owner; /* NULL: unowned */
    _Atomic uint64_t last; /* offset of the last block handed out so far (the first is carved at
                            * creation, so there always is one) */
    uint32_t amask;    /* the tier's alignment - 1 */
    uint32_t csize;    /* block size; 0 for a large block (a span of one block) */
    uint32_t nblocks;  /* blocks the span can hold */
    uint32_t pages;    /* span length in pages */
    uint32_t bytes;    /* bytes of it blocks may use: its pages, or less once a compaction cut it
                        * (the rest lies above the tier's head then); small spans only */
    uint32_t id;       /* its index in the pool */
    uint32_t next, prev; /* links (span ids) in the list it is on */
    uint8_t tier;
    uint8_t cls;
    _Atomic uint8_t listed; /* which list links it (SPAN_LIST_*): its owner reads it before taking
                             * its cache's lock, a thread taking free spans writes it under it */
    /* The owner's current span that it keeps while empty (its frees need no slow path when the
     * span empties); one per tier and thread. The owner alone reads and writes it. */
    bool kept_empty;

    /* The owner's: changed by every allocation and free of the owner. */
    uint64_t free WALLOC_CACHE_ALIGNED; /* handle of the first free block, SPAN_END when none */
    _Atomic uint32_t used;   /* blocks handed out and not freed (remote frees not yet taken
                              * count as used) */
    _Atomic uint64_t allocs; /* allocations from this span since it was made */

    /* Remote frees (see REMOTE_*): the first block's offset, how many blocks the list holds, and
     * whether the span is unowned (then nobody may push: frees take the span lock instead). */
    _Atomic uint64_t remote WALLOC_CACHE_ALIGNED;
};

_Static_assert(sizeof(struct span) == 3 * WALLOC_CACHE_LINE, "three cache lines per span");

/* The remote word: offset of the first block in bits 0..31 (REMOTE_NONE: no block), the count
 * in bits 32..62, REMOTE_UNOWNED in bit 63. */
#define REMOTE_NONE UINT64_C(0xFFFFFFFF)
#define REMOTE_ONE (UINT64_C(1) << 32)
#define REMOTE_UNOWNED (UINT64_C(1) << 63)
#define REMOTE_COUNT(r) ((uint32_t)(((r) & ~REMOTE_UNOWNED) >> 32))

enum {
    SPAN_LIST_NONE = 0,
    SPAN_LIST_CURRENT, /* its owner's current span for its class (no list) */
    SPAN_LIST_PARTIAL, /* its owner's spans of its class that have free blocks */
    SPAN_LIST_FULL,    /* its owner's spans of its class that had none left */
    SPAN_LIST_SHARED,  /* the tier's unowned spans of its class that have free blocks */
    SPAN_LIST_SPARE,   /* its owner's empty spans, kept for any class (within a budget) */
    SPAN_LIST_LIMBO    /* taken from its owner entirely free: pages gone, structure kept until
                        * the owner (who may be finishing a free into it) lets it go */
};

static inline uint8_t span_listed(const struct span *s)
{
    return atomic_load_explicit(&s->listed, memory_order_relaxed);
}

static inline void span_set_listed(struct span *s, uint8_t which)
{
    atomic_store_explicit(&s->listed, which, memory_order_relaxed);
}

/* The offset of the last block the span has handed out. Relaxed: only its owner changes it (as
 * it carves), and a thread freeing one of its blocks got that block after the carve. */
static inline uint64_t span_last(const struct span *s)
{
    return atomic_load_explicit(&s->last, memory_order_relaxed);
}

/* true when handle h lies in a block the span has handed out at some time and is aligned for the
 * tier (SPAN_END never is). Every link read from free memory passes this check. */
static inline bool span_handle_ok(const struct span *s, uint64_t h)
{
    return h - s->lo <= span_last(s) && (h & s->amask) == 0;
}

/* The same for an offset d from the span's first block: every freed handle passes it. */
static inline bool span_offset_ok(const struct span *s, uint64_t d)
{
    return d <= span_last(s) && (d & s->amask) == 0;
}

/* ---- the pool of span structures (span.c) ---- */

/* The span with id i of tier t. */
static inline struct span *span_of_id(const struct tier *t, uint32_t i)
{
    return &t->span_chunks[i / SPAN_CHUNK][i % SPAN_CHUNK];
}
void wl_span_pool_fini(struct tier *t);

/* ---- making and releasing spans (span.c); the caller holds the tier's lock ---- */

/* A new span of class c in tier t, owned by tc (NULL: unowned), with its first blocks ready;
 * NULL when the tier has no room. Its pages come from a free extent or the bump head. */
struct span *wl_span_create(struct tier *t, unsigned c, struct tcache *tc);
/* An empty span made over for class c (its pages hold a block of it): its blocks are carved
 * anew. Its owner, under the tier's lock (statistics read the class and count). */
void wl_span_reuse(struct tier *t, struct span *s, unsigned c);
/* A large block: a span of one block of bytes (whole pages), csize 0, owned by nobody, live;
 * only its first page is mapped. NULL when the tier has no room. */
struct span *wl_span_create_large(struct tier *t, uint64_t bytes);
/* Gives the span's pages back to the tier (free extents) and its structure to the pool; its
 * live blocks, if any, count as released. */
void wl_span_release(struct tier *t, struct span *s);
/* Takes an entirely free span from an owner that may still be finishing its last free into it
 * (that free moved the count that showed the span free, and may read the span's counters and
 * list mark once more): its pages go back to the tier now, its structure waits in the owner's
 * limbo list (marked SPAN_LIST_LIMBO) until the owner calls wl_span_recycle. The tier's lock held. */
void wl_span_take_entirely_free(struct tier *t, struct span *s);
void wl_span_recycle(struct tier *t, struct span *s);
/* Forgets a span whose pages a compaction or reset took back with the head: only its structure
 * goes back to the pool (its live blocks count as released). */
void wl_span_drop(struct tier *t, struct span *s);

/* ---- the owner's side (span.c): the owning thread, or, for an unowned span, whoever holds
 * the tier's lock ---- */

/* A free block for the owner: the local list, else the remote list, else blocks not carved
 * yet. WALLOC_NULL when the span is full. Counts the allocation. */
uint64_t wl_span_take_block(struct tier *t, struct span *s);
/* Moves the remote list onto the local one; how many blocks it moved. keep_flags: the
 * REMOTE_UNOWNED bit to leave in the word. */
uint32_t wl_span_collect(struct tier *t, struct span *s, uint64_t keep_flags);
/* Pushes block h (checked with span_offset_ok) onto the local free list. Returns the list's
 * previous head (SPAN_END: the span was full). */
static inline uint64_t span_push_local(const walloc *w, struct span *s, uint64_t h)
{
    uint64_t old = s->free;
    block_word_store(handle_ptr(w, h), 0, old);
    s->free = h;
    atomic_store_explicit(&s->used, atomic_load_explicit(&s->used, memory_order_relaxed) - 1,
                          memory_order_relaxed);
    return old;
}

/* ---- other threads ---- */

/* Pushes block d (checked) onto an owned span's remote list. false when the span is unowned:
 * then nothing changed, and the caller frees under the tier's lock instead. */
bool wl_span_push_remote(const walloc *w, struct span *s, uint64_t d);

/* Live blocks as statistics count them: used minus remote frees not yet taken (any thread). */
uint32_t wl_span_live(const struct span *s);

/* Compaction: keeps the blocks that end at or below handle keep and forgets the others, free
 * ones included, shortening the span to the pages its kept blocks need; returns how many live
 * blocks it released. The span starts below keep. Tier quiescent (no call allocates or frees
 * in it), its lock held. */
uint64_t wl_span_truncate(struct tier *t, struct span *s, uint64_t keep);

/* Gives s to tc (NULL: to nobody), moving its remote list onto the local one. The tier's lock
 * held. */
void wl_span_set_owner(struct tier *t, struct span *s, struct tcache *tc);

/* ---- span lists (span.c): circular, doubly linked through span ids; a head is the first
 * span's id (0: empty) ---- */
void wl_span_list_push(struct tier *t, uint32_t *head, struct span *s, uint8_t which);
void wl_span_list_remove(struct tier *t, uint32_t *head, struct span *s);
/* The first span of a list, or NULL. */
static inline struct span *span_list_first(const struct tier *t, uint32_t head)
{
    return head == 0 ? NULL : span_of_id(t, head);
}

#endif
