/*
 * checked.h - checked mode: a table of every block a checked instance has handed out.
 *
 * Maps a block's handle to the size it was allocated with and whether it is live, so that
 * walloc_free can tell a double free, a wrong size and a handle that is not a block start
 * from a good free, and a serial per allocation that tells a block from a later one at the same
 * handle. One mutex: checked mode trades speed for diagnosis.
 */
#ifndef WALLOC_CHECKED_H
#define WALLOC_CHECKED_H

#include "internal.h"

struct checked_table *wl_checked_create(void);
void wl_checked_destroy(struct checked_table *tbl);

/* Records a new live block: CHECKED_NEW; CHECKED_NO_ROOM when the table cannot grow (the caller
 * frees the block and reports no room); CHECKED_LIVE, recording nothing, when h is a live block
 * already: a free list the caller corrupted handed it out again (the caller keeps away from it). */
enum checked_alloc { CHECKED_NEW, CHECKED_NO_ROOM, CHECKED_LIVE };
enum checked_alloc wl_checked_on_alloc(struct checked_table *tbl, uint64_t h, uint64_t size);

/* Checks a free and, when it is good, marks the block freed: WALLOC_OK, WALLOC_ERR_DOUBLE_FREE,
 * WALLOC_ERR_SIZE_MISMATCH or WALLOC_ERR_NOT_A_BLOCK. */
walloc_status wl_checked_on_free(struct checked_table *tbl, uint64_t h, uint64_t size);

/* What the table knows of a block at h: nothing, live, or freed (and not handed out again). */
enum checked_state { CHECKED_UNKNOWN, CHECKED_LIVE_BLOCK, CHECKED_FREED_BLOCK };
enum checked_state wl_checked_state_of(struct checked_table *tbl, uint64_t h);

/* Takes the table's lock and tells what it knows of h; when it is a live block, also its size
 * and serial (a number no other allocation of this table gets: a block freed and handed out again
 * at the same handle has a new one). The block cannot be freed, reset or compacted away until
 * wl_checked_release: a host that copies into blocks from outside the core (walloc-mt.wasm's
 * JavaScript side, whose Workers free each other's blocks) holds it for the copy, so the copy
 * never lands in a block someone else was given meanwhile. Hold it briefly: every allocation and
 * free of the instance waits for it. */
enum checked_state wl_checked_hold(struct checked_table *tbl, uint64_t h, uint64_t *size, uint64_t *serial);
void wl_checked_release(struct checked_table *tbl);

/* Forgets every block of tier t that starts in [from, hi) and reaches past lo (from <= lo <=
 * hi): the blocks a compact to lo releases, those straddling lo included. Returns how many of
 * them were live. */
uint64_t wl_checked_forget_range(struct checked_table *tbl, const struct tier *t, uint64_t from,
                              uint64_t lo, uint64_t hi);

#endif
