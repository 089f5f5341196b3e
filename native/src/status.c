/*
 * status.c - walloc_status_str.
 */
#include "walloc.h"

const char *walloc_status_str(walloc_status status)
{
    switch (status) {
    case WALLOC_OK: return "ok";
    case WALLOC_ERR_INVALID_ARGUMENT: return "invalid argument";
    case WALLOC_ERR_INVALID_TIER: return "invalid tier";
    case WALLOC_ERR_INVALID_HANDLE: return "invalid handle";
    case WALLOC_ERR_OUT_OF_BOUNDS: return "out of bounds";
    case WALLOC_ERR_OUT_OF_MEMORY: return "out of memory";
    case WALLOC_ERR_DOUBLE_FREE: return "double free";
    case WALLOC_ERR_SIZE_MISMATCH: return "size mismatch";
    case WALLOC_ERR_NOT_A_BLOCK: return "not a block";
    case WALLOC_ERR_INVALID_CONFIG: return "invalid configuration";
    case WALLOC_ERR_INVALID_SIZE: return "invalid size";
    }
    return "unknown status";
}
