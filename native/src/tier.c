/*
 * tier.c - segments, growth and range checks of a tier. See tier.h.
 */
#include "tier.h"

#include "block.h"

/* Native: commit at least this much at a time (one mprotect per step, not per page). */
#define COMMIT_STEP_MIN (256u * 1024u)
/* WebAssembly: first segment of a tier; later ones double the tier's size so far. */
#define SEGMENT_MIN (64u * 1024u)

void tier_init(struct tier *t, walloc *owner, walloc_tier id, uint64_t start, uint64_t capacity)
{
    static const uint32_t shifts[WALLOC_TIER_COUNT] = {7, 6, 3};
    t->owner = owner;
    t->id = id;
    t->align_shift = shifts[id];
    t->align = 1u << t->align_shift;
    t->class_count = size_class_count(t->align_shift);
    for (unsigned c = 0; c < WALLOC_CLASS_COUNT_MAX; c++)
        t->class_size[c] = c < t->class_count ? (uint32_t)size_class_size(c, t->align_shift) : 0;
    t->capacity = capacity;
    for (unsigned i = 0; i < 128; i++)
        t->class_lut[i] = (uint8_t)size_class_for(i * 8 + 8, t->align_shift);
    for (unsigned i = 0; i < WALLOC_MAX_CLASS_SIZE / 128; i++)
        t->class_lut_big[i] = (uint8_t)size_class_for(i * 128 + 128, t->align_shift);
    t->small_max = WALLOC_MAX_CLASS_SIZE;
    for (unsigned c = t->class_count; c-- > 0 && t->class_size[c] > capacity;)
        t->small_max = c > 0 ? t->class_size[c - 1] : 0;
    /* Per-thread bump chunks: 64 KiB, or less for tiny tiers so one thread can't take it all. */
    uint64_t chunk = capacity / 16 < 64 * 1024 ? capacity / 16 : 64 * 1024;
    t->chunk_size = chunk >= WALLOC_LARGE_GRANULE ? chunk & ~(uint64_t)(WALLOC_LARGE_GRANULE - 1) : 0;
    atomic_init(&t->epoch, 0);
    wl_mutex_init(&t->grow_lock);
    wl_mutex_init(&t->large.lock);
    t->large.first = WALLOC_NULL;
    t->large.count = 0;
    atomic_init(&t->large.bytes, 0);
    for (unsigned c = 0; c < WALLOC_CLASS_COUNT_MAX; c++) {
        atomic_init(&t->lists[c].head, UINT64_MAX);
        atomic_init(&t->lists[c].bytes, 0);
    }
#if WALLOC_PLATFORM_RESERVES
    t->segs[0].base = start;
    t->segs[0].size = capacity;
    atomic_init(&t->seg_count, 1);
    t->index_base = start;
    atomic_init(&t->head, start);
    atomic_init(&t->limit, start); /* nothing committed yet */
#else
    (void)start;
    atomic_init(&t->seg_count, 0);
    t->index_base = 0;
    atomic_init(&t->head, 0);
    atomic_init(&t->limit, 0);
#endif
    atomic_init(&t->cur_seg, 0);
}

void tier_fini(struct tier *t)
{
    wl_mutex_destroy(&t->grow_lock);
    wl_mutex_destroy(&t->large.lock);
}

#if WALLOC_PLATFORM_RESERVES
/* Native: commit more of the tier's single segment so that need_end fits. */
static bool tier_grow(struct tier *t, uint64_t need_end)
{
    const struct segment *s = &t->segs[0];
    uint64_t limit = atomic_load_explicit(&t->limit, memory_order_relaxed);
    if (need_end > s->base + s->size)
        return false;
    uint64_t committed = limit - s->base;
    uint64_t step = committed / 4 > COMMIT_STEP_MIN ? committed / 4 : COMMIT_STEP_MIN;
    uint64_t page = platform_page_size();
    uint64_t new_limit = align_up(need_end > limit + step ? need_end : limit + step, page);
    if (new_limit > s->base + s->size)
        new_limit = s->base + s->size;
    uint8_t *p = (uint8_t *)handle_ptr(t->owner, limit);
    if (!platform_commit(p, new_limit - limit))
        return false;
    block_poison(p, new_limit - limit); /* nothing in it is allocated yet */
    counter_add(&t->committed, new_limit - limit);
    atomic_store_explicit(&t->limit, new_limit, memory_order_release);
    return true;
}
#else
/* Records that the pages of [addr, addr + bytes) belong to segment seg of t. */
static void mark_pages(struct tier *t, uint64_t addr, uint64_t bytes, uint32_t seg)
{
    for (uint64_t p = addr >> WASM_PAGE_SHIFT; p < (addr + bytes + (1u << WASM_PAGE_SHIFT) - 1) >> WASM_PAGE_SHIFT; p++)
        t->owner->page_owner[p] = PAGE_OWNER(t->id, seg);
}

/* WebAssembly: close the current segment and move to the next one that fits size, appending a
 * new segment from memory.grow when none does. Closed segments record their unused tail. */
static bool tier_grow(struct tier *t, uint64_t size)
{
    uint32_t count = atomic_load_explicit(&t->seg_count, memory_order_relaxed);
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; i++)
        total += t->segs[i].size;
    uint32_t next = count == 0 ? 0 : cur + 1;
    while (next < count && t->segs[next].size < size)
        next++; /* too small for this request: skipped (wasted until a rewind) */
    if (next == count) {
        uint64_t room = t->capacity - total;
        uint64_t want = total > SEGMENT_MIN ? total : SEGMENT_MIN;
        want = align_up(want > size ? want : size, platform_page_size());
        if (want > room)
            want = room;
        if (size > want || count == WALLOC_MAX_SEGMENTS)
            return false;
        uint64_t addr = platform_grow(want);
        if (addr == UINT64_MAX)
            return false;
        block_poison(handle_ptr(t->owner, addr), want);
        counter_add(&t->committed, want);
        struct segment *last = count > 0 ? &t->segs[count - 1] : NULL;
        if (last != NULL && next == count && cur == count - 1 && addr == last->base + last->size &&
            last->size % platform_page_size() == 0) {
            /* The new memory follows the current segment: extend it, so blocks on both sides
             * of the old end stay neighbours (large blocks coalesce across it). */
            mark_pages(t, addr, want, count - 1);
            last->size += want;
            atomic_store_explicit(&t->limit, last->base + last->size, memory_order_release);
            return true;
        }
        t->segs[count].base = addr;
        t->segs[count].size = want;
        t->segs[count].tail = 0;
        mark_pages(t, addr, want, count);
        atomic_store_explicit(&t->seg_count, count + 1, memory_order_release);
    }
    uint64_t used_before = counter_get(&t->used_before_cur);
    if (count > 0) {
        struct segment *s = &t->segs[cur];
        uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
        s->tail = s->base + s->size - h;
        used_before += s->size;
        for (uint32_t i = cur + 1; i < next; i++) {
            t->segs[i].tail = t->segs[i].size;
            used_before += t->segs[i].size;
        }
    }
    atomic_store_explicit(&t->cur_seg, next, memory_order_relaxed);
    atomic_store_explicit(&t->used_before_cur, used_before, memory_order_relaxed);
    atomic_store_explicit(&t->head, t->segs[next].base, memory_order_relaxed);
    atomic_store_explicit(&t->limit, t->segs[next].base + t->segs[next].size,
                          memory_order_release);
    return true;
}
#endif

uint64_t tier_bump_slow(struct tier *t, uint64_t size)
{
    uint64_t result = WALLOC_NULL;
    wl_lock(&t->grow_lock);
    for (;;) {
        uint64_t limit = atomic_load_explicit(&t->limit, memory_order_acquire);
        uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
        if (h <= limit && size <= limit - h) {
            if (atomic_compare_exchange_weak_explicit(&t->head, &h, h + size, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                result = h;
                break;
            }
            continue;
        }
#if WALLOC_PLATFORM_RESERVES
        if (h > UINT64_MAX - size || !tier_grow(t, h + size))
            break;
#else
        if (!tier_grow(t, size))
            break;
#endif
    }
    wl_unlock(&t->grow_lock);
    return result;
}

static void peak_record(struct tier *t)
{
    uint64_t used = tier_used(t);
    uint64_t peak = atomic_load_explicit(&t->peak, memory_order_relaxed);
    while (used > peak &&
           !atomic_compare_exchange_weak_explicit(&t->peak, &peak, used, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
}

bool tier_unbump(struct tier *t, uint64_t h, uint64_t size)
{
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    if (atomic_load_explicit(&t->seg_count, memory_order_acquire) == 0 || h < t->segs[cur].base)
        return false;
    peak_record(t);
    uint64_t expected = h + size;
    return atomic_compare_exchange_strong_explicit(&t->head, &expected, h, memory_order_relaxed,
                                                   memory_order_relaxed);
}

bool tier_contains(const struct tier *t, uint64_t h)
{
    uint32_t count = atomic_load_explicit(&t->seg_count, memory_order_acquire);
    for (uint32_t i = 0; i < count; i++)
        if (h - t->segs[i].base < t->segs[i].size)
            return true;
    return false;
}

walloc_status tier_check_range(const struct tier *t, uint64_t h, uint64_t n)
{
    uint32_t count = atomic_load_explicit(&t->seg_count, memory_order_acquire);
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    for (uint32_t i = 0; i < count; i++) {
        const struct segment *s = &t->segs[i];
        if (h - s->base >= s->size)
            continue;
        if (i > cur)
            return WALLOC_ERR_OUT_OF_BOUNDS;
        uint64_t end = i < cur ? s->base + s->size
                               : atomic_load_explicit(&t->head, memory_order_relaxed);
        if (end > s->base + s->size) /* head parked past a closed segment */
            end = s->base + s->size;
        if (h >= end || n > end - h)
            return WALLOC_ERR_OUT_OF_BOUNDS;
        return WALLOC_OK;
    }
    return WALLOC_ERR_INVALID_HANDLE;
}

uint64_t tier_used(const struct tier *t)
{
    if (atomic_load_explicit(&t->seg_count, memory_order_acquire) == 0)
        return 0;
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
    return counter_get(&t->used_before_cur) + (h - t->segs[cur].base);
}

void tier_rewind(struct tier *t, uint64_t keep)
{
    peak_record(t);
    uint32_t count = atomic_load_explicit(&t->seg_count, memory_order_acquire);
    if (count == 0)
        return;
    uint64_t before = 0;
    uint32_t i = 0;
    while (i + 1 < count && keep > before + t->segs[i].size) {
        before += t->segs[i].size;
        i++;
    }
    for (uint32_t j = i; j < count; j++)
        t->segs[j].tail = 0; /* open again */
    atomic_store_explicit(&t->cur_seg, i, memory_order_relaxed);
    atomic_store_explicit(&t->used_before_cur, before, memory_order_relaxed);
    atomic_store_explicit(&t->head, t->segs[i].base + (keep - before), memory_order_relaxed);
#if WALLOC_PLATFORM_RESERVES
    /* limit (committed end) stays: committed memory is kept for reuse. */
#else
    atomic_store_explicit(&t->limit, t->segs[i].base + t->segs[i].size, memory_order_release);
#endif
}

void tier_memory_stats(const struct tier *t, walloc_stats *out)
{
    uint64_t used = tier_used(t);
    uint64_t peak = counter_get(&t->peak);
    out->capacity = t->capacity;
    out->committed = counter_get(&t->committed);
    out->bump_head = used;
    out->peak = peak > used ? peak : used;
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    out->wasted_bytes = 0;
    for (uint32_t i = 0; i < cur; i++)
        out->wasted_bytes += t->segs[i].tail;
    out->alignment = t->align;
    out->max_class_size = t->small_max;
}
