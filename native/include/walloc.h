/*
 * walloc.h - the whole public C API of Walloc, a tiered memory allocator.
 *
 * An instance (walloc *) owns one memory region split into three tiers that never overlap:
 *
 *   WALLOC_TIER_TOP     128-byte alignment, default 50 % of capacity (GPU / render assets)
 *   WALLOC_TIER_MIDDLE   64-byte alignment, default 30 % (scene assets)
 *   WALLOC_TIER_BOTTOM    8-byte alignment, default 20 % (temporary data)
 *
 * Blocks are named by handles: 64-bit offsets from the instance's base (walloc_ptr translates).
 * A handle never changes while its block is live, so it can be stored and sent as an integer.
 * 0 is a valid handle; WALLOC_NULL (all ones) is "no block". In WebAssembly the base is 0, so a
 * handle is the address in linear memory.
 *
 * Memory: native builds reserve the whole capacity as address space at creation and commit it
 * lazily, page by page, as a tier's bump head advances: an untouched tier costs no RAM.
 * WebAssembly builds grow linear memory in segments as tiers fill.
 *
 * Thread safety: every function may be called concurrently from any number of threads on the same
 * instance, EXCEPT:
 *   - walloc_destroy must not race any other call on the same instance;
 *   - walloc_reset_tier and walloc_compact_tier must not race any call that allocates, frees or
 *     touches blocks of the SAME tier (other tiers may be used concurrently). The host facades
 *     (Java, JavaScript) enforce this; C callers must.
 * A block may be freed by a thread other than the one that allocated it.
 *
 * Errors: functions that can fail return a walloc_status (WALLOC_OK = 0). A failed call changes
 * nothing. walloc_alloc reports failure as WALLOC_NULL and counts it in the tier's statistics.
 */
#ifndef WALLOC_H
#define WALLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A block's offset from the instance's base. */
typedef uint64_t walloc_handle;

/** "No block": returned when an allocation fails. */
#define WALLOC_NULL UINT64_MAX

/** The tiers. Values are stable: hosts pass them as integers. */
typedef enum walloc_tier {
    WALLOC_TIER_TOP = 0,
    WALLOC_TIER_MIDDLE = 1,
    WALLOC_TIER_BOTTOM = 2
} walloc_tier;

/** Number of tiers. */
#define WALLOC_TIER_COUNT 3

/** Status codes. Values are stable: hosts map them to exceptions by number. */
typedef enum walloc_status {
    WALLOC_OK = 0,
    /** A required pointer argument was NULL, or a count/length was impossible. */
    WALLOC_ERR_INVALID_ARGUMENT = 1,
    /** The tier is not one of WALLOC_TIER_TOP, _MIDDLE, _BOTTOM. */
    WALLOC_ERR_INVALID_TIER = 2,
    /** The handle does not lie in any tier, or is not aligned for its tier. */
    WALLOC_ERR_INVALID_HANDLE = 3,
    /** The range [handle, handle + size) is not inside what its tier has handed out. */
    WALLOC_ERR_OUT_OF_BOUNDS = 4,
    /** No room: the tier (or the host's memory) is full. */
    WALLOC_ERR_OUT_OF_MEMORY = 5,
    /** Checked mode: the handle is a block that was already freed. */
    WALLOC_ERR_DOUBLE_FREE = 6,
    /** Checked mode: the size passed to walloc_free differs from the size allocated. */
    WALLOC_ERR_SIZE_MISMATCH = 7,
    /** Checked mode: the handle lies in a tier but is not the start of a live block. */
    WALLOC_ERR_NOT_A_BLOCK = 8,
    /** The configuration is invalid (capacity, ratios). */
    WALLOC_ERR_INVALID_CONFIG = 9,
    /** The size is larger than the tier could ever hold. */
    WALLOC_ERR_INVALID_SIZE = 10
} walloc_status;

/** Creation parameters. Start from walloc_config_default() and change what you need. */
typedef struct walloc_config {
    /** Total bytes for all tiers together. At least 64 KiB, at most 64 GiB (native) or 4 GiB
     *  minus the module's own memory (WebAssembly). */
    uint64_t capacity;
    /** Share of capacity per tier, indexed by walloc_tier. Each in (0, 1]; the sum at most 1.
     *  Each tier gets floor(capacity * ratio) rounded down to a multiple of 4 KiB; a ratio that
     *  leaves a tier less than 4 KiB makes the configuration invalid. */
    double tier_ratio[WALLOC_TIER_COUNT];
    /** Non-zero: checked mode. walloc_free also detects double frees, frees of a wrong size and
     *  handles that are not the start of a live block, at the cost of a locked table lookup per
     *  alloc and free. */
    int checked;
    /** Bytes of free memory each tier keeps committed for reuse; 0: the default, a 64th of the
     *  tier within [1 MiB, 128 MiB]. Free memory beyond it (freed spans and large blocks, and what
     *  walloc_reset_tier and walloc_compact_tier release) goes back to the system at once:
     *  natively its pages read as zero when touched again (on Windows: unspecified bytes, never
     *  a fault); WebAssembly memory cannot shrink
     *  and keeps it. Raise it when a tier is reset every frame with more scratch than that. */
    uint64_t retain;
    /** Non-zero: keep an allocation profile (walloc_profile_snapshot): per site, per tier, the
     *  sampled allocations and the sampled blocks still live, and their bytes. A sampled block
     *  remembers its site, so its free, a reset or a compaction takes it off its site's
     *  counts. Blocks are sampled by walloc_alloc (see profile_rate) and by every
     *  walloc_alloc_site call. Off: nothing is sampled, and the allocation fast path is the
     *  same instructions as in a build without profiles. */
    int profile;
    /** One in how many walloc_alloc calls is sampled, on average, in each thread (the gap to
     *  the next sample is drawn at random, so a periodic workload does not alias); 1: every
     *  one. Its site is the address walloc_alloc returns to. 0: walloc_alloc samples nothing,
     *  only walloc_alloc_site calls are recorded (hosts that sample themselves). Above 0, every
     *  walloc_alloc of the instance takes a slower path that counts down to the next sample
     *  (bench/native/RESULTS.md: its cost at 1, 1000 and off). WebAssembly builds without
     *  threads have no return addresses to record: there it must be 0 (else
     *  WALLOC_ERR_INVALID_CONFIG), and hosts sample with walloc_alloc_site. */
    uint32_t profile_rate;
    /** Distinct sites the profile tracks; 0: 1024. Samples from further sites are counted at
     *  the site WALLOC_SITE_OTHER, never dropped. At most 1 << 20. */
    uint32_t profile_sites;
} walloc_config;

/** Per-tier statistics. Counted, not kept: the spans' own counters are summed under the tier's
 *  locks, so every snapshot obeys the bounds below even while other threads allocate and free
 *  (live_bytes + free_bytes + wasted_bytes == bump_head <= capacity, committed <= capacity,
 *  total_frees <= total_allocs, live_blocks <= total_allocs - total_frees). A block another
 *  thread freed into a span it does not own counts as free once freed. All sizes in bytes. */
typedef struct walloc_stats {
    /** Bytes the tier may use. */
    uint64_t capacity;
    /** Bytes of memory backing the tier now (committed pages natively, grown segments in wasm). */
    uint64_t committed;
    /** Bytes handed out by the bump head: the tier's used extent. */
    uint64_t bump_head;
    /** High-water mark of bump_head since creation. */
    uint64_t peak;
    /** Bytes in live blocks, counted at their block size (size class, or 4 KiB pages for a
     *  large block). */
    uint64_t live_bytes;
    /** Blocks allocated and not freed since the last reset; blocks a compaction released are
     *  no longer counted. */
    uint64_t live_blocks;
    /** Bytes below the head free for reuse: free blocks in spans (of any thread), blocks a
     *  span has not carved yet, and free extents. */
    uint64_t free_bytes;
    /** Bytes below the head no block can use: the end of a span too short for one more block
     *  of its class, and (WebAssembly) segment tails too small for the request that closed
     *  them. */
    uint64_t wasted_bytes;
    /** Successful allocations since creation. */
    uint64_t total_allocs;
    /** Successful frees since creation (blocks a reset or compaction released are not frees). */
    uint64_t total_frees;
    /** Failed allocations (no room, or a size too large) since creation. */
    uint64_t failed_allocs;
    /** Number of resets and compacts since creation. */
    uint64_t resets;
    /** The tier's alignment. */
    uint32_t alignment;
    /** The largest size served from size classes (8 KiB, or less in a tier too small for
     *  spans of the top classes); larger blocks are "large": whole pages, coalesced. */
    uint32_t max_class_size;
} walloc_stats;

/** The fields of walloc_stats in declaration order, as X(name) each: the one list hosts derive
 *  their copies from (the JNI glue names them to Java; the core checks it covers the struct). */
#define WALLOC_STATS_FIELDS(X)                                                                    \
    X(capacity) X(committed) X(bump_head) X(peak) X(live_bytes) X(live_blocks) X(free_bytes)      \
    X(wasted_bytes) X(total_allocs) X(total_frees) X(failed_allocs) X(resets) X(alignment)        \
    X(max_class_size)

/** One entry of walloc_bulk_copy: copy len bytes from handle src to handle dst. */
typedef struct walloc_copy_op {
    walloc_handle dst;
    walloc_handle src;
    uint64_t len;
} walloc_copy_op;

/** Opaque instance. */
typedef struct walloc walloc;

/** The default configuration: 256 MiB, 50/30/20 %, checked mode off (on when the library was
 *  built with WALLOC_CHECKED_DEFAULT). */
walloc_config walloc_config_default(void);

/** Checks a configuration without creating anything. WALLOC_OK or WALLOC_ERR_INVALID_CONFIG
 *  (NULL config: WALLOC_ERR_INVALID_ARGUMENT). */
walloc_status walloc_config_validate(const walloc_config *config);

/** Creates an instance. NULL config means walloc_config_default(). Returns NULL when the
 *  configuration is invalid (see walloc_config_validate) or the address space cannot be
 *  reserved. The caller owns the instance and must walloc_destroy it. */
walloc *walloc_create(const walloc_config *config);

/** Destroys an instance and releases its memory. Every handle becomes invalid. NULL is a no-op.
 *  Must not race any other call on the same instance. */
void walloc_destroy(walloc *w);

/** The memory an instance's handles point into: handle h names byte base + h. Native builds:
 *  the whole reservation, in which the tiers lie in order from handle 0 (TOP, MIDDLE, BOTTOM),
 *  each as long as its capacity in walloc_tier_stats; parts never committed are not accessible. */
typedef struct walloc_region {
    void *base;
    uint64_t size;
} walloc_region;

/** The region of w. WebAssembly builds have no reservation: {NULL, 0}. NULL w: {NULL, 0}. */
walloc_region walloc_region_of(const walloc *w);

/** walloc_destroy, except that the region stays mapped: for hosts that hand out raw pointers
 *  (Java direct buffers) which may be used after the instance is gone. Everything that was ever
 *  committed stays readable and writable, but its RAM is given back at once: it reads as zero,
 *  and a write takes a fresh page (Windows: the system takes the RAM back when it needs it, and
 *  the pages read unspecified bytes). The caller owns the returned region and unmaps it with
 *  walloc_region_release once nothing can touch it. WebAssembly: walloc_destroy, returns
 *  {NULL, 0}. NULL is a no-op. Must not race any other call on the same instance. */
walloc_region walloc_destroy_keep_region(walloc *w);

/** Unmaps a region returned by walloc_destroy_keep_region. Every pointer into it becomes
 *  invalid. {NULL, 0} is a no-op. */
void walloc_region_release(walloc_region region);

/** Allocates a block of at least size bytes in tier, aligned for the tier. size 0 allocates
 *  the smallest block. Returns WALLOC_NULL when there is no room, the size is larger than the
 *  tier, w is NULL or the tier is invalid (the latter two are not counted in statistics).
 *  Contents of a new block are unspecified. */
walloc_handle walloc_alloc(walloc *w, uint64_t size, walloc_tier tier);

/** Allocates count blocks: out[i] gets a block of sizes[i] bytes in tiers[i] (values of
 *  walloc_tier). All or nothing: on any failure every block already taken is freed, every
 *  out[i] is WALLOC_NULL and the status says why (WALLOC_ERR_OUT_OF_MEMORY,
 *  WALLOC_ERR_INVALID_TIER, WALLOC_ERR_INVALID_SIZE). count 0 is WALLOC_OK. */
walloc_status walloc_alloc_batch(walloc *w, const uint64_t *sizes, const int32_t *tiers,
                                 size_t count, walloc_handle *out);

/** walloc_alloc for hosts that sample themselves: when w keeps a profile (walloc_config.profile)
 *  the block is a sample, recorded at site (any value but WALLOC_SITE_OTHER: the host's id for
 *  where it allocates), whatever the profile's rate; otherwise exactly walloc_alloc. Cost: the
 *  profile's lock and a table insert. */
walloc_handle walloc_alloc_site(walloc *w, uint64_t size, walloc_tier tier, uint64_t site);

/** Frees a block. size must be the size given at allocation (any size in the block's size
 *  class is accepted in unchecked mode). Returns WALLOC_ERR_INVALID_HANDLE when handle is in
 *  no tier or misaligned for it, WALLOC_ERR_OUT_OF_BOUNDS when the block that size implies —
 *  [handle, handle + size rounded up to its size class, or to 4 KiB above the largest class) —
 *  is not a block of a span that handed it out (or a large block starting at handle), so even
 *  an unchecked wrong free never puts memory outside a span, let alone beyond the head, into a
 *  free list; in checked mode also WALLOC_ERR_DOUBLE_FREE (also for a freed block whose memory
 *  has gone back to the bump head or is free again), WALLOC_ERR_SIZE_MISMATCH and
 *  WALLOC_ERR_NOT_A_BLOCK (not the start of a live block). Unchecked mode trusts that handle
 *  starts a block: an aligned address inside a block a span handed out is taken as one. On
 *  error nothing changes. Cost: O(1) without a lock, except a free into a full span or one that
 *  empties a span (its cache's lock; the tier's when the span goes back to the tier). */
walloc_status walloc_free(walloc *w, walloc_handle handle, uint64_t size);

/** Forgets every block of a tier: the bump head returns to the start, every span is released
 *  and every thread's cache lets go of the tier. O(spans of the tier). Memory beyond what the
 *  tier retains (walloc_config.retain) goes back to the system. Must not race allocation or
 *  frees in the same tier. */
walloc_status walloc_reset_tier(walloc *w, walloc_tier tier);

/** Moves the tier's bump head back to keep_bytes (rounded up to the tier's alignment) from the
 *  tier's start: blocks wholly below keep stay valid and untouched, nothing moves; every other
 *  block is released, including one that straddles keep (its tail will be handed out again;
 *  checked mode then refuses to free it, unchecked callers must not). Free blocks and free
 *  extents below keep stay free for reuse. keep_bytes beyond the current head changes nothing
 *  but the statistics' reset count. Memory released beyond what the tier retains goes back to
 *  the system. O(spans of the tier) plus the free list of the one span across keep.
 *  Must not race allocation or frees in the same tier. */
walloc_status walloc_compact_tier(walloc *w, walloc_tier tier, uint64_t keep_bytes);

/** The site samples are counted at once the profile tracks walloc_config.profile_sites
 *  others. */
#define WALLOC_SITE_OTHER UINT64_MAX

/** One site of an allocation profile: what its sampled blocks add up to, per tier. */
typedef struct walloc_profile_site {
    /** The host's id (walloc_alloc_site), the return address of walloc_alloc's caller, or
     *  WALLOC_SITE_OTHER. */
    uint64_t site;
    /** Sampled allocations at the site since creation (resets and compactions keep them). */
    uint64_t allocs[WALLOC_TIER_COUNT];
    /** Sampled blocks of the site still live: neither freed nor released by a reset or a
     *  compaction. */
    uint64_t live_blocks[WALLOC_TIER_COUNT];
    /** Their bytes, counted as walloc_tier_stats counts them (walloc_block_size): at rate 1,
     *  a tier's sites add up to its live_bytes and live_blocks. */
    uint64_t live_bytes[WALLOC_TIER_COUNT];
} walloc_profile_site;

/** What a profile holds beyond its sites. */
typedef struct walloc_profile_info {
    /** walloc_config.profile_rate, and profile_sites as the profile applies it. */
    uint32_t rate;
    uint32_t max_sites;
    /** Sites recorded, WALLOC_SITE_OTHER included when it counted a sample. */
    uint64_t sites;
    /** Samples counted at WALLOC_SITE_OTHER because the table of sites was full. */
    uint64_t overflow_samples;
    /** Samples not recorded at all: no memory was left for their record (the blocks were still
     *  handed out). */
    uint64_t lost_samples;
} walloc_profile_info;

/** Copies w's allocation profile: up to capacity sites into out (in no particular order),
 *  the number of sites the profile holds into *count (more than capacity: call again with
 *  more room), and, when info is not NULL, its summary. A consistent snapshot: taken under
 *  the profile's lock. WALLOC_ERR_INVALID_ARGUMENT when w or count is NULL, or out is NULL
 *  with capacity above 0; WALLOC_ERR_INVALID_CONFIG when w keeps no profile. Safe to call at
 *  any time from any thread. */
walloc_status walloc_profile_snapshot(const walloc *w, walloc_profile_site *out, size_t capacity,
                                      size_t *count, walloc_profile_info *info);

/** Fills *out with the tier's statistics. Safe to call at any time from any thread. */
walloc_status walloc_tier_stats(const walloc *w, walloc_tier tier, walloc_stats *out);

/** Copies len bytes from host memory src into the instance at handle dst. The range
 *  [dst, dst + len) must lie inside what one tier has handed out, and so must dst itself even
 *  when len is 0 (WALLOC_ERR_INVALID_HANDLE, WALLOC_ERR_OUT_OF_BOUNDS otherwise). src may be
 *  NULL only when len is 0. */
walloc_status walloc_write(walloc *w, walloc_handle dst, const void *src, uint64_t len);

/** Copies len bytes from the instance at handle src to host memory dst. Same range rules as
 *  walloc_write. */
walloc_status walloc_read(const walloc *w, walloc_handle src, void *dst, uint64_t len);

/** Sets len bytes of the instance from handle dst on to byte (memset). Same range rules as
 *  walloc_write; nothing is written when the range is refused. Hosts build zeroed allocation on
 *  it (allocate, then fill with 0): a block reused from a free list holds its last owner's bytes. */
walloc_status walloc_fill(walloc *w, walloc_handle dst, uint8_t byte, uint64_t len);

/** Copies len bytes between two ranges of the instance (memmove semantics: they may overlap).
 *  Both ranges follow walloc_write's rules; they may be in different tiers. */
walloc_status walloc_copy(walloc *w, walloc_handle dst, walloc_handle src, uint64_t len);

/** Performs count copies (each with walloc_copy's semantics, in order). Every entry is validated
 *  before any byte is copied: on error nothing is copied and, when failed_index is not NULL,
 *  *failed_index is the first bad entry. */
walloc_status walloc_bulk_copy(walloc *w, const walloc_copy_op *ops, size_t count,
                               size_t *failed_index);

/** Translates a handle into a pointer, or NULL when the handle does not lie inside what some
 *  tier has handed out. The pointer is valid while the block is live (native: until destroy;
 *  WebAssembly: linear memory never moves, only its JS ArrayBuffer is replaced on growth). */
void *walloc_ptr(const walloc *w, walloc_handle handle);

/** Checks that [handle, handle + len) lies inside what one tier has handed out, by walloc_read's
 *  rules (handle itself must, even when len is 0): WALLOC_OK, WALLOC_ERR_INVALID_HANDLE (in no
 *  tier), WALLOC_ERR_OUT_OF_BOUNDS (the range leaves its tier's handed-out extent), or
 *  WALLOC_ERR_INVALID_ARGUMENT (NULL w). The check every access makes, for hosts that access
 *  the memory themselves (views over a block). Lock-free; thread-safe. */
walloc_status walloc_check_range(const walloc *w, walloc_handle handle, uint64_t len);

/** The handles tier can ever hand out lie in [*start, *end). Native builds: the tier's own part
 *  of the region, *end - *start being its capacity (the tiers follow each other from handle 0:
 *  TOP, MIDDLE, BOTTOM). WebAssembly builds grow a tier in segments anywhere in linear memory:
 *  [0, 4 GiB). WALLOC_ERR_INVALID_ARGUMENT for a NULL argument, WALLOC_ERR_INVALID_TIER. */
walloc_status walloc_tier_range(const walloc *w, walloc_tier tier, walloc_handle *start,
                                walloc_handle *end);

/** Which tier a handle lies in (in what the tier has handed out), or WALLOC_ERR_INVALID_HANDLE. */
walloc_status walloc_tier_of(const walloc *w, walloc_handle handle, walloc_tier *out);

/** memcpy (overlap is allowed: it is walloc_memmove). x86-64: bound once, from what cpuid reports,
 *  to a kernel of 16-, 32- or 64-byte moves (64 on AMD's AVX-512 CPUs and Intel's with AVX-VNNI);
 *  no loop up to 8 vectors; above, `rep movsb` where it has no 4 KiB-aliasing hole (not on AMD),
 *  non-temporal stores above a quarter of the L3, and otherwise a vector loop whose direction
 *  avoids 4 KiB aliasing. WebAssembly: inline SIMD128 moves, memory.copy from 128 bytes.
 *  Thread-safe; returns dst. */
void *walloc_memcpy(void *dst, const void *src, size_t n);

/** memmove; the same function as walloc_memcpy. Returns dst. */
void *walloc_memmove(void *dst, const void *src, size_t n);

/** A static English description of a status ("ok", "invalid handle", ...). Never NULL. */
const char *walloc_status_str(walloc_status status);

/** The alignment of a tier (128, 64, 8), or 0 for an invalid tier. */
uint32_t walloc_tier_alignment(walloc_tier tier);

/** The bytes a block for a request of size bytes in tier spans (its size class, or the large-
 *  block granule above the classes): what walloc_tier_stats counts for it. size 0 counts as 1.
 *  0 for a NULL w, an invalid tier or a size larger than the tier. Thread-safe. */
uint64_t walloc_block_size(const walloc *w, walloc_tier tier, uint64_t size);

#ifdef __cplusplus
}
#endif

#endif /* WALLOC_H */
