/*
 * tier.c - segments, growth and range checks of a tier. See tier.h.
 */
#include "tier.h"

#include "handle_space.h"

/* The class count of the tier with the smallest alignment (size_class_count of
 * WALLOC_MIN_ALIGN_SHIFT: 8 classes up to 8 granules, then 4 per power of two up to
 * WALLOC_MAX_CLASS_SIZE) is what the per-class arrays (struct tier, struct tc_tier, bins) hold. */
_Static_assert((WALLOC_CLASS_COUNT_MAX - 8u) % 4u == 0 &&
                   WALLOC_MAX_CLASS_SIZE >> WALLOC_MIN_ALIGN_SHIFT == 1u << ((WALLOC_CLASS_COUNT_MAX - 8u) / 4u + 3u),
               "WALLOC_CLASS_COUNT_MAX must equal the class count of the 8-byte tier for WALLOC_MAX_CLASS_SIZE "
               "(size_class.h: a power of two, 4 classes per doubling above 8 granules)");
_Static_assert(WALLOC_CLASS_COUNT_MAX <= 256u, "a span's class (struct span's cls) is a uint8_t");
_Static_assert(WALLOC_LARGE_GRANULE % WALLOC_PAGE == 0 && WALLOC_PAGE == 1u << WALLOC_PAGE_SHIFT,
               "large blocks are whole pages of the page map (WALLOC_PAGE, WALLOC_PAGE_SHIFT)");

/* Pages of a span of class size csize in a tier of capacity bytes: room for 8 blocks or a 64th
 * of the tier, whichever is more, but at most 64 KiB for that 64th (a small tier holds spans of
 * many classes at once) and at most an eighth of the tier; among lengths down to half of that,
 * the one that wastes the smallest share at its end. 0 when a block does not fit. */
static uint32_t span_pages_for(uint64_t csize, uint64_t capacity)
{
    uint64_t max_pages = capacity / WALLOC_PAGE / 8 ? capacity / WALLOC_PAGE / 8 : 1;
    uint64_t share = capacity / 64 < (64u << 10) ? capacity / 64 : (64u << 10);
    uint64_t want = 8 * csize > share ? 8 * csize : share;
    uint64_t hi = (want + WALLOC_PAGE - 1) / WALLOC_PAGE, lo = (csize + WALLOC_PAGE - 1) / WALLOC_PAGE;
    if (hi > max_pages)
        hi = max_pages;
    if (lo < hi / 2)
        lo = hi / 2;
    if (lo == 0)
        lo = 1;
    if (lo > hi)
        return 0;
    uint64_t best = hi, best_waste = UINT64_MAX;
    for (uint64_t n = hi; n >= lo; n--) {
        uint64_t bytes = n * WALLOC_PAGE;
        uint64_t waste = (bytes % csize) * 1024 / bytes; /* per mille of the span */
        if (waste < best_waste)
            best = n, best_waste = waste;
    }
    return (uint32_t)best;
}

void wl_tier_init(struct tier *t, walloc *owner, walloc_tier id, uint64_t start, uint64_t capacity,
               uint64_t retain)
{
    static const uint32_t shifts[] = WALLOC_TIER_ALIGN_SHIFTS;
    _Static_assert(sizeof shifts / sizeof shifts[0] == WALLOC_TIER_COUNT,
                   "WALLOC_TIER_ALIGN_SHIFTS must name one alignment per tier (WALLOC_TIER_COUNT)");
    t->owner = owner;
    t->id = id;
    t->align_shift = shifts[id];
    t->align = 1u << t->align_shift;
    t->class_count = size_class_count(t->align_shift);
    t->capacity = capacity;
    t->start = start;
    t->retain = retain;
    t->small_max = 0;
    for (unsigned c = 0; c < WALLOC_CLASS_COUNT_MAX; c++) {
        t->class_size[c] = c < t->class_count ? (uint32_t)size_class_size(c, t->align_shift) : 0;
        t->span_pages[c] = c < t->class_count ? span_pages_for(t->class_size[c], capacity) : 0;
        if (t->span_pages[c] != 0)
            t->small_max = t->class_size[c];
    }
    wl_mutex_init(&t->grow_lock);
    wl_mutex_init(&t->lock);
    wl_mutex_init(&t->large.lock);
    t->large.first = WALLOC_NULL;
    t->large.count = 0;
    atomic_init(&t->large.bytes, 0);
    t->large.resident = 0;
    atomic_init(&t->seg_count, 0); /* the space gives it its segments (handle_space.h) */
    atomic_init(&t->head, 0);
    atomic_init(&t->limit, 0);
    atomic_init(&t->cur_seg, 0);
}

void wl_tier_fini(struct tier *t)
{
    wl_mutex_destroy(&t->grow_lock);
    wl_mutex_destroy(&t->lock);
    wl_mutex_destroy(&t->large.lock);
}

uint64_t wl_tier_bump_slow(struct tier *t, uint64_t size)
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
        if (!wl_space_grow(t, size))
            break;
    }
    wl_unlock(&t->grow_lock);
    return result;
}

uint64_t wl_tier_bump_pages(struct tier *t, uint64_t bytes)
{
    uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
    uint64_t gap = align_up(h, WALLOC_PAGE) - h; /* only after a compaction to an odd keep */
    if (gap != 0 && tier_bump(t, gap) == WALLOC_NULL) /* free memory no page block can use */
        return WALLOC_NULL;
    uint64_t r = tier_bump(t, bytes);
    if (r != WALLOC_NULL)
        wl_space_reuse_pages(t, r, bytes);
    return r;
}

static void peak_record(struct tier *t)
{
    uint64_t used = wl_tier_used(t);
    uint64_t peak = atomic_load_explicit(&t->peak, memory_order_relaxed);
    while (used > peak &&
           !atomic_compare_exchange_weak_explicit(&t->peak, &peak, used, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
}

bool wl_tier_unbump(struct tier *t, uint64_t h, uint64_t size)
{
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    if (atomic_load_explicit(&t->seg_count, memory_order_acquire) == 0 || h < t->segs[cur].base)
        return false;
    peak_record(t);
    uint64_t expected = h + size;
    return atomic_compare_exchange_strong_explicit(&t->head, &expected, h, memory_order_relaxed,
                                                   memory_order_relaxed);
}

bool wl_tier_contains(const struct tier *t, uint64_t h)
{
    uint32_t count = atomic_load_explicit(&t->seg_count, memory_order_acquire);
    for (uint32_t i = 0; i < count; i++)
        if (h - t->segs[i].base < t->segs[i].size)
            return true;
    return false;
}

walloc_status wl_tier_check_range(const struct tier *t, uint64_t h, uint64_t n)
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

uint64_t wl_tier_offset_of(const struct tier *t, uint64_t h)
{
    uint32_t count = atomic_load_explicit(&t->seg_count, memory_order_acquire);
    uint64_t before = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (h - t->segs[i].base < t->segs[i].size)
            return before + (h - t->segs[i].base);
        before += t->segs[i].size;
    }
    return before;
}

uint64_t wl_tier_handle_of(const struct tier *t, uint64_t off)
{
    uint32_t count = atomic_load_explicit(&t->seg_count, memory_order_acquire);
    if (count == 0)
        return t->start + off;
    uint64_t before = 0;
    uint32_t i = 0;
    while (i + 1 < count && off >= before + t->segs[i].size)
        before += t->segs[i++].size;
    return t->segs[i].base + (off - before);
}

uint64_t wl_tier_used(const struct tier *t)
{
    if (atomic_load_explicit(&t->seg_count, memory_order_acquire) == 0)
        return 0;
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
    return counter_get(&t->used_before_cur) + (h - t->segs[cur].base);
}

void wl_tier_rewind(struct tier *t, uint64_t keep)
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
    wl_space_rewound(t);
}

void wl_tier_memory_stats(const struct tier *t, walloc_stats *out)
{
    uint64_t used = wl_tier_used(t);
    uint64_t peak = counter_get(&t->peak);
    out->capacity = t->capacity;
    out->committed = counter_get(&t->committed);
    out->bump_head = used;
    out->peak = peak > used ? peak : used;
    uint32_t cur = atomic_load_explicit(&t->cur_seg, memory_order_relaxed);
    out->wasted_bytes = 0;
    for (uint32_t i = 0; i < cur; i++)
        out->wasted_bytes += t->segs[i].tail; /* WebAssembly: segments closed before their end */
    out->alignment = t->align;
    out->max_class_size = t->small_max;
}
