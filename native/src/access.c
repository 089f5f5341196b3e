/*
 * access.c - which tier a handle lies in, range checks, bounds-checked reads, writes and copies
 * by handle, and handle translation.
 *
 * The core knows tiers, not blocks (except in checked mode), so the check is: the whole range
 * lies inside what one tier has handed out. That keeps every access inside the instance's
 * memory whatever the arguments; the host facades add the per-block bounds they know.
 */
#include "handle_space.h"
#include "internal.h"
#include "tier.h"

#include <string.h>

/* The tier whose memory holds h, or NULL. */
struct tier *wl_tier_of_handle(const walloc *w, uint64_t h)
{
    for (unsigned i = 0; i < WALLOC_TIER_COUNT; i++)
        if (wl_tier_contains(&w->tiers[i], h))
            return (struct tier *)&w->tiers[i];
    return NULL;
}

walloc_status walloc_tier_of(const walloc *w, walloc_handle h, walloc_tier *out)
{
    if (w == NULL || out == NULL)
        return WALLOC_ERR_INVALID_ARGUMENT;
    const struct tier *t = wl_tier_of_handle(w, h);
    if (t == NULL || wl_tier_check_range(t, h, 0) != WALLOC_OK)
        return WALLOC_ERR_INVALID_HANDLE;
    *out = t->id;
    return WALLOC_OK;
}

walloc_status wl_instance_check_range(const walloc *w, uint64_t h, uint64_t n)
{
    const struct tier *t = wl_tier_of_handle(w, h);
    return t == NULL ? WALLOC_ERR_INVALID_HANDLE : wl_tier_check_range(t, h, n);
}

walloc_status walloc_check_range(const walloc *w, walloc_handle handle, uint64_t len)
{
    return w == NULL ? WALLOC_ERR_INVALID_ARGUMENT : wl_instance_check_range(w, handle, len);
}

walloc_status walloc_tier_range(const walloc *w, walloc_tier tier, walloc_handle *start,
                                walloc_handle *end)
{
    if (w == NULL || start == NULL || end == NULL)
        return WALLOC_ERR_INVALID_ARGUMENT;
    if ((unsigned)tier >= WALLOC_TIER_COUNT)
        return WALLOC_ERR_INVALID_TIER;
    wl_space_tier_range(w, tier, start, end);
    return WALLOC_OK;
}

static walloc_status check(const walloc *w, uint64_t h, uint64_t n)
{
    if (w == NULL)
        return WALLOC_ERR_INVALID_ARGUMENT;
    return wl_instance_check_range(w, h, n);
}

walloc_status walloc_write(walloc *w, walloc_handle dst, const void *src, uint64_t len)
{
    if (src == NULL && len > 0)
        return WALLOC_ERR_INVALID_ARGUMENT;
    walloc_status s = check(w, dst, len);
    if (s == WALLOC_OK && len > 0)
        walloc_memmove(handle_ptr(w, dst), src, (size_t)len);
    return s;
}

walloc_status walloc_fill(walloc *w, walloc_handle dst, uint8_t byte, uint64_t len)
{
    walloc_status s = check(w, dst, len);
    if (s == WALLOC_OK && len > 0)
        memset(handle_ptr(w, dst), byte, (size_t)len);
    return s;
}

walloc_status walloc_read(const walloc *w, walloc_handle src, void *dst, uint64_t len)
{
    if (dst == NULL && len > 0)
        return WALLOC_ERR_INVALID_ARGUMENT;
    walloc_status s = check(w, src, len);
    if (s == WALLOC_OK && len > 0)
        walloc_memmove(dst, handle_ptr(w, src), (size_t)len);
    return s;
}

walloc_status walloc_copy(walloc *w, walloc_handle dst, walloc_handle src, uint64_t len)
{
    walloc_status s = check(w, dst, len);
    if (s == WALLOC_OK)
        s = check(w, src, len);
    if (s == WALLOC_OK && len > 0)
        walloc_memmove(handle_ptr(w, dst), handle_ptr(w, src), (size_t)len);
    return s;
}

walloc_status walloc_bulk_copy(walloc *w, const walloc_copy_op *ops, size_t count,
                               size_t *failed_index)
{
    if (w == NULL || (ops == NULL && count > 0))
        return WALLOC_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < count; i++) {
        walloc_status s = check(w, ops[i].dst, ops[i].len);
        if (s == WALLOC_OK)
            s = check(w, ops[i].src, ops[i].len);
        if (s != WALLOC_OK) {
            if (failed_index != NULL)
                *failed_index = i;
            return s;
        }
    }
    for (size_t i = 0; i < count; i++)
        if (ops[i].len > 0)
            walloc_memmove(handle_ptr(w, ops[i].dst), handle_ptr(w, ops[i].src), (size_t)ops[i].len);
    return WALLOC_OK;
}

void *walloc_ptr(const walloc *w, walloc_handle h)
{
    if (w == NULL || wl_instance_check_range(w, h, 0) != WALLOC_OK)
        return NULL;
    return handle_ptr(w, h);
}
