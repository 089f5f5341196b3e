/*
 * walloc_js.h - what the JavaScript entry points (walloc_js.c, walloc_js_profile.c) share.
 */
#ifndef WALLOC_JS_H
#define WALLOC_JS_H

#include <stdint.h>

#include "walloc.h"

#define JS_NULL 0xFFFFFFFFu

/* A handle as the JavaScript side takes it: uint32, WALLOC_NULL as 0xFFFFFFFF. */
static inline uint32_t to_js(walloc_handle h) {
    return (h == WALLOC_NULL || h > 0xFFFFFFFFull) ? JS_NULL : (uint32_t)h;
}

#endif
