/* bench_gate_host.h - see bench_gate_host.c. */
#ifndef WALLOC_BENCH_GATE_HOST_H
#define WALLOC_BENCH_GATE_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "walloc.h"

#ifdef __cplusplus
extern "C" {
#endif

enum host_guard { GUARD_BARE, GUARD_NATIVE_GATE, GUARD_NATIVE_GATE_CALLS, GUARD_COUNTER };

bool host_init(void);
walloc_handle host_alloc(enum host_guard guard, uint64_t size);
walloc_status host_free(enum host_guard guard, walloc_handle h, uint64_t size);

#ifdef __cplusplus
}
#endif

#endif
