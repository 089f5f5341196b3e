/*
 * platform_memory.h - where an instance's memory and metadata come from.
 *
 * Native: one contiguous reservation per instance, committed lazily as tiers grow; metadata
 * from the C heap. platform_posix.c (Linux and other POSIX systems: mmap PROT_NONE with
 * MAP_NORESERVE, mprotect, madvise) and platform_windows.c (VirtualAlloc/VirtualFree).
 * WebAssembly (platform_wasm.c): no reservation is possible (linear memory only grows at its
 * end), so each tier is a chain of segments taken from memory.grow; metadata from a small
 * pool of pages, because the module is linked without malloc. How tiers use this memory:
 * handle_space.h.
 */
#ifndef WALLOC_PLATFORM_MEMORY_H
#define WALLOC_PLATFORM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Page size used for commit and segment granularity (4 KiB native, 64 KiB wasm). */
size_t wl_platform_page_size(void);

/* Native only (space_reserved.c): reserve address space (no access, no RAM), NULL on failure;
 * make [addr, addr + bytes) readable and writable (page-aligned), false on failure. */
void *wl_platform_reserve(size_t bytes);
bool wl_platform_commit(void *addr, size_t bytes);
/* Give the pages' RAM back; they stay readable and writable. Contents on the next touch: zero
 * (POSIX, madvise(MADV_DONTNEED)) or unspecified, old bytes or zeros (Windows, MEM_RESET).
 * WebAssembly: nothing (memory cannot shrink). */
void wl_platform_decommit(void *addr, size_t bytes);
/* Release a reservation made by wl_platform_reserve (WebAssembly: a segment made by
 * wl_platform_grow, kept for reuse). */
void wl_platform_release(void *addr, size_t bytes);

/* WebAssembly only (space_segments.c): grow linear memory by at least bytes (rounded up to
 * pages) and return the address of the new memory, or UINT64_MAX when growth is refused; the
 * highest address wl_platform_grow may reach (linear memory's limit). */
uint64_t wl_platform_grow(size_t bytes);
uint64_t wl_platform_grow_limit(void);

/* Zeroed memory for large tables (the page map, the given-back bitmap) that costs RAM only where
 * it is written: natively a mapping of its own; in WebAssembly the metadata pool. */
void *wl_platform_zeroed_alloc(size_t bytes);
void wl_platform_zeroed_free(void *p, size_t bytes);

/* Zeroed, 64-byte aligned metadata memory of any size (instance, thread caches, the growing
 * checked-mode table), and its release. */
void *wl_platform_meta_alloc(size_t bytes);
void wl_platform_meta_free(void *p, size_t bytes);

#endif
