/*
 * batch.c - walloc_alloc_batch: several allocations, all or nothing.
 */
#include "internal.h"

walloc_status walloc_alloc_batch(walloc *w, const uint64_t *sizes, const int32_t *tiers,
                                 size_t count, walloc_handle *out)
{
    if (w == NULL || (count > 0 && (sizes == NULL || tiers == NULL || out == NULL)))
        return WALLOC_ERR_INVALID_ARGUMENT;
    walloc_status s = WALLOC_OK;
    for (size_t i = 0; i < count && s == WALLOC_OK; i++) {
        if ((uint32_t)tiers[i] >= WALLOC_TIER_COUNT)
            s = WALLOC_ERR_INVALID_TIER;
        else if (sizes[i] > w->tiers[tiers[i]].capacity)
            s = WALLOC_ERR_INVALID_SIZE;
    }
    size_t done = 0;
    for (; done < count && s == WALLOC_OK; done++) {
        out[done] = walloc_alloc(w, sizes[done], (walloc_tier)tiers[done]);
        if (out[done] == WALLOC_NULL)
            s = WALLOC_ERR_OUT_OF_MEMORY;
    }
    if (s != WALLOC_OK) {
        for (size_t i = 0; i < done; i++)
            if (out[i] != WALLOC_NULL)
                walloc_free(w, out[i], sizes[i]);
        for (size_t i = 0; i < count; i++)
            out[i] = WALLOC_NULL;
    }
    return s;
}
