package io.walloc;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiered memory allocator instance: one native region split into three {@link Tier}s, handing
 * out blocks named by {@code long} handles (offsets from the region's base). Created from a
 * {@link WallocConfig}; {@link #close()} releases the region.
 *
 * <pre>{@code
 * try (Walloc w = Walloc.create(WallocConfig.builder().capacity(64L << 20).build())) {
 *     long h = w.allocate(4096, Tier.MIDDLE);          // raw handle, no object allocated
 *     w.writeData(h, bytes);                           // copy in
 *     byte[] back = w.readData(h, bytes.length);       // copy out
 *     w.free(h, 4096);
 *     try (Block b = w.allocateBlock(1 << 20, Tier.TOP)) {
 *         b.asByteBuffer().asFloatBuffer().put(0, 1.5f); // direct view, native order
 *     }                                                 // freed once
 * }
 * }</pre>
 *
 * <h2>Errors</h2>
 * <ul>
 *   <li>No room in a tier: {@link #allocate} throws {@link WallocOutOfMemoryException};
 *       {@link #tryAllocate} returns {@link #NULL} instead. Both leave the allocator usable.</li>
 *   <li>Bad input (negative size, a size larger than the tier, a null tier or array, a handle in
 *       no tier, a range past what the tier handed out): {@link IllegalArgumentException},
 *       {@link NullPointerException}, {@link InvalidHandleException} or
 *       {@link IndexOutOfBoundsException}, with a message saying what was wrong. Nothing changes.</li>
 *   <li>Double frees, wrong free sizes and handles that are not the start of a block are detected
 *       only in checked mode ({@link WallocConfig#checked()}); raw handles from another instance
 *       are indistinguishable from this instance's unless checked mode is on. {@link Block}s carry
 *       their owner and catch all of these in Java, in either mode.</li>
 *   <li>After {@link #close()}: {@link IllegalStateException}, but for the calls listed below.</li>
 * </ul>
 *
 * <h2>After close</h2>
 * The instance's fixed facts keep answering after {@link #close()}: {@link #config()},
 * {@link #capacity(Tier)}, {@link #isClosed()} and {@link #toString()}; and {@link #close()}
 * again does nothing. Every other method throws {@link IllegalStateException} (its arguments are
 * checked first, so a bad argument may still be reported as such) and touches no memory.
 * {@link Block}s of a closed instance: see {@link Block}.
 *
 * <h2>Thread safety</h2>
 * Every method may be called from any number of threads at once. {@link #resetTier} and
 * {@link #fastCompactTier} run alone: they wait until no other call is inside the instance, and
 * calls that arrive meanwhile wait for them (the core forbids resetting a tier while it
 * allocates). {@link #close()} waits for calls in flight, then releases the region; calls after it
 * throw {@link IllegalStateException}, never touch freed memory, and never crash the JVM. A call
 * that is one native call (allocate and free without the thread cache, copies, reads, writes) is
 * guarded in native code without a locked instruction: it marks itself in its thread's slot,
 * and close or reset make every thread execute a memory barrier before they wait for the slots
 * ({@code walloc_gate.h}); calls that also read Java state a reset changes (blocks, the thread
 * cache, views) count themselves in a striped counter as well. A block may be freed by a thread
 * other than its allocator's.
 *
 * <p>Thread cache (unchecked mode, on unless {@link WallocConfig#threadCache()} is off): {@link
 * #free} (or {@link Block#close()}) of a block of up to 4 KiB puts it in a bin of the calling
 * thread, and the thread's next {@link #allocate} (or {@link #allocateBlock}) of the same size in
 * granules takes it back, neither crossing into native code nor touching the gate (see
 * bench/java/RESULTS.md for what it saves). Statistics count the blocks in
 * bins as free. A reset or compaction makes every thread drop its bins of that tier at its next
 * call; an allocation racing a reset may return a block from just before it.
 *
 * <h2>Allocation profile</h2>
 * An instance created with {@link WallocConfig.Builder#profile(int)} samples one allocation in
 * {@code rate} per thread and records where it came from (the stack, or a name such as an asset's
 * path): {@link #profile()} says which sites hold how much of each tier now, and {@link #close()}
 * reports the sampled blocks nobody freed ({@link LeakReport}). Without it, allocation costs a
 * null check more and nothing else.
 *
 * <p>Direct buffers from {@link Block#asByteBuffer()} and {@link #view} are raw memory, not checked:
 * after its block was freed or its tier reset, a buffer reaches whatever block lives there now
 * ({@link Block}'s own read and write methods check instead). They never crash the JVM: the
 * region stays mapped while any buffer over it is reachable, and after {@link #close()} a buffer
 * reads zeros (on Windows: unspecified bytes) and its writes go to memory nobody else sees.
 */
public final class Walloc implements AutoCloseable {
    /** The null handle: "no block" ({@code WALLOC_NULL}, all ones). */
    public static final long NULL = -1L;

    /**
     * The tier of {@link #allocate(long)} and {@link #allocateBlock(long)}, which name none:
     * {@link Tier#BOTTOM}, for data used once and dropped (DESIGN.md's policy, which
     * tests/scenarios/faces/asset_types.json states for every face).
     */
    public static final Tier DEFAULT_TIER = Tier.BOTTOM;

    private static final AtomicLong IDS = new AtomicLong();
    private static final Tier[] TIERS = Tier.values();

    private final long w;
    private final WallocConfig config;
    private final Gate gate;
    private final Region region;
    private final ThreadCache cache; // null: every allocate and free goes to the core
    private final Profiler profiler; // null: no allocation profile (WallocConfig.profile)
    private final Sampler sampler; // the profiler's, null without: read by every allocation, one load fewer
    private final long[] capacity = new long[3];
    private final long[] tierStart = new long[3]; // walloc_tier_range
    private final TierHistory history; // every block's life: epochs, what compactions kept
    private final NativeSide nativeSide;
    private final SegmentScopes segments = new SegmentScopes(); // does nothing before JDK 22
    private final Access access; // reads, writes, copies, views, segments
    private final Samples samples; // null without a profile
    private final Batch batch;
    private final Frees frees; // Block.close and the Cleaner's frees

    private Walloc(long w, WallocConfig config) {
        this.w = w;
        this.config = config;
        String name = "Walloc#" + IDS.incrementAndGet();
        this.gate = new Gate(name, w);
        long[] s = new long[TierStats.SLOTS];
        for (Tier t : TIERS) {
            Errors.check(WallocNative.tierStats(w, t.code(), s), "tierStats", NULL, t, 0);
            capacity[t.code()] = s[TierStats.CAPACITY];
        }
        long[] range = new long[2];
        for (Tier t : TIERS) {
            Errors.check(WallocNative.tierRange(w, t.code(), range), "tierRange", NULL, t, 0);
            tierStart[t.code()] = range[0];
        }
        this.history = new TierHistory(w, tierStart, capacity);
        this.region = new Region(w);
        this.profiler = config.profiling() ? new Profiler(name, config, tierStart[2] + capacity[2]) : null;
        this.sampler = profiler != null ? profiler.sampler() : null;
        this.cache = config.threadCache() ? new ThreadCache(w, gate, history, tierStart, capacity,
                profiler != null ? profiler.pages() : null) : null;
        this.samples = profiler != null ? new Samples(this, history, w, gate, cache, profiler, capacity) : null;
        this.batch = new Batch(w, gate, cache, profiler, samples, capacity);
        this.frees = new Frees(this, config, history, w, gate, cache, segments);
        this.access = new Access(this, w, gate, region, segments);
        this.nativeSide = new NativeSide(w, gate, region);
        Region.CLEANER.register(this, nativeSide);
    }


    /**
     * Creates an instance. The capacity is reserved as address space; memory is committed as
     * tiers fill.
     *
     * @param config the configuration
     * @return a new instance, to be closed by the caller
     * @throws NullPointerException when config is null
     * @throws WallocOutOfMemoryException when the address space cannot be reserved
     * @throws UnsatisfiedLinkError when the native library cannot be loaded (the message says why)
     */
    public static Walloc create(WallocConfig config) {
        Objects.requireNonNull(config, "config is null");
        long p = WallocNative.create(config.capacity(), config.share(Tier.TOP), config.share(Tier.MIDDLE),
                config.share(Tier.BOTTOM), config.checked(), config.profiling() ? config.profileSites() : 0);
        if (p == 0) {
            throw new WallocOutOfMemoryException(null, config.capacity(), "cannot create an instance of " + config
                    + ": the address space could not be reserved");
        }
        return new Walloc(p, config);
    }

    /**
     * Creates an instance with {@link WallocConfig#defaults()}.
     *
     * @return a new instance, to be closed by the caller
     */
    public static Walloc create() {
        return create(WallocConfig.defaults());
    }

    /**
     * The configuration this instance was made from.
     *
     * @return the configuration
     */
    public WallocConfig config() {
        return config;
    }

    /**
     * The bytes a tier may use (its share of the capacity, rounded down to whole pages).
     *
     * @param tier the tier
     * @return bytes
     */
    public long capacity(Tier tier) {
        return capacity[tierCode(tier)];
    }

    /**
     * The handle of a tier's first byte: the tier's handles are {@code [tierStart(tier),
     * tierStart(tier) + capacity(tier))}, and the tiers follow each other from handle 0 (the
     * core's {@code walloc_tier_range}).
     *
     * @param tier the tier
     * @return a handle
     * @throws IllegalStateException after {@link #close()}
     */
    public long tierStart(Tier tier) {
        int t = tierCode(tier);
        if (gate.isClosed()) {
            throw gate.closed();
        }
        return tierStart[t];
    }

    /**
     * The handle of a direct buffer's memory: of the byte at its position, when its {@code
     * [position, limit)} lies inside what one tier of this instance has handed out (a {@link #view}
     * or {@link Block#asByteBuffer()}, or a slice of one). Read through JNI's {@code
     * GetDirectBufferAddress}; the range is checked by the core.
     *
     * @param buffer any buffer
     * @return the handle, or {@link #NULL} for a heap buffer, another instance's memory, or a range
     *     that leaves what the tier handed out
     * @throws IllegalStateException after {@link #close()}
     */
    public long handleOf(ByteBuffer buffer) {
        return access.handleOf(buffer);
    }

    /**
     * The bytes a block allocated with {@code size} occupies in a tier: its size class, or whole
     * 4 KiB granules above the largest class (size 0 counts as 1). This is what
     * {@link TierStats#liveBytes()} counts for it, and what a compaction must keep for the block
     * to survive ({@link #fastCompactTier}).
     *
     * @param size the size the block was (or would be) allocated with, 0 or more
     * @param tier the tier
     * @return bytes, at least {@code max(1, size)}
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws NullPointerException for a null tier
     * @throws IllegalStateException after {@link #close()}
     */
    public long footprint(long size, Tier tier) {
        int t = tierCode(tier);
        if (size < 0 || size > capacity[t]) {
            throw allocFailure(size, tier);
        }
        long bytes = WallocNative.blockSize(w, t, size);
        Reference.reachabilityFence(this); // w lives as long as this Walloc (NativeSide)
        if (bytes < 0) {
            throw gate.closed();
        }
        return bytes;
    }

    // ------------------------------------------------------------------ allocation

    /**
     * Allocates a block of at least {@code size} bytes, aligned for the tier. Size 0 allocates the
     * smallest block. The contents are unspecified. Allocates no Java object.
     *
     * @param size bytes, 0 or more
     * @param tier the tier
     * @return the block's handle, never {@link #NULL}
     * @throws WallocOutOfMemoryException when the tier has no room
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws NullPointerException for a null tier
     * @throws IllegalStateException after {@link #close()}
     */
    public long allocate(long size, Tier tier) {
        int t = tierCode(tier);
        if (sampler != null && sampler.due()) {
            return samples.allocate(size, tier, false);
        }
        long h = cached(size, t, history.now(t));
        if (h == NULL) {
            h = allocateInCore(size, t);
            if (h == NULL) {
                throw allocFailure(size, tier);
            }
        }
        return h;
    }

    /**
     * {@link #allocate(long, Tier)} in {@link #DEFAULT_TIER}.
     *
     * @param size bytes, 0 or more
     * @return the block's handle, never {@link #NULL}
     * @throws WallocOutOfMemoryException when the tier has no room
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws IllegalStateException after {@link #close()}
     */
    public long allocate(long size) {
        return allocate(size, DEFAULT_TIER);
    }

    /**
     * Like {@link #allocate}, with the block's first {@code size} bytes set to zero (a block may
     * come back from a free list holding its last owner's bytes). {@link #allocate} never pays
     * for this.
     *
     * @param size bytes, 0 or more
     * @param tier the tier
     * @return the block's handle, never {@link #NULL}
     * @throws WallocOutOfMemoryException when the tier has no room
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws NullPointerException for a null tier
     * @throws IllegalStateException after {@link #close()}
     */
    public long allocateZeroed(long size, Tier tier) {
        long h = allocate(size, tier);
        zero(h, size);
        return h;
    }

    /**
     * Sets {@code length} bytes from {@code handle} on to {@code value} (its low 8 bits), like
     * {@code memset}; bounds-checked like {@link #copy}.
     *
     * @param handle where to start
     * @param value the byte to store
     * @param length bytes, 0 or more
     * @throws IndexOutOfBoundsException ({@link WallocBoundsException}) when the range reaches past
     *     what its tier handed out, or the length is negative (nothing is written)
     * @throws InvalidHandleException when the handle lies in no tier
     * @throws IllegalStateException after {@link #close()}
     */
    public void fill(long handle, byte value, long length) {
        access.fill(handle, value, length);
    }

    /* The first size bytes of a block just handed out set to zero. */
    private void zero(long h, long size) {
        if (size > 0) {
            fill(h, (byte) 0, size);
        }
    }

    /* A block from the calling thread's cache for tier t in epoch e, or NULL. */
    private long cached(long size, int t, int e) {
        return cache != null && size > 0 && size <= ThreadCache.MAX_SIZE ? cache.take(t, size, e) : NULL;
    }

    private long allocateInCore(long size, int t) {
        if (cache == null) { // one native call: the native gate alone guards it
            long h = CoreCalls.alloc(w, size, t);
            Reference.reachabilityFence(this); // w lives as long as this Walloc (NativeSide)
            return h;
        }
        int g = gate.enter();
        try {
            long h = CoreCalls.alloc(w, size, t);
            if (h != NULL && cache != null) {
                cache.handedOut(t, h, size);
            }
            return h;
        } finally {
            gate.exit(g);
        }
    }

    /**
     * Like {@link #allocate}, but returns {@link #NULL} when the tier has no room.
     *
     * @param size bytes, 0 or more
     * @param tier the tier
     * @return the block's handle, or {@link #NULL} when the tier is full
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws NullPointerException for a null tier
     * @throws IllegalStateException after {@link #close()}
     */
    public long tryAllocate(long size, Tier tier) {
        int t = tierCode(tier);
        if (sampler != null && sampler.due()) {
            return samples.allocate(size, tier, true);
        }
        long h = cached(size, t, history.now(t));
        if (h != NULL) {
            return h;
        }
        h = allocateInCore(size, t);
        if (h == NULL) {
            RuntimeException e = allocFailure(size, tier);
            if (!(e instanceof WallocOutOfMemoryException)) {
                throw e;
            }
        }
        return h;
    }


    private Block orFail(Block b, long size, Tier tier) {
        if (b == null) {
            throw allocFailure(size, tier);
        }
        return b;
    }

    private RuntimeException allocFailure(long size, Tier tier) {
        return Errors.allocFailure(size, tier, capacity, gate);
    }


    /**
     * This instance's allocation profile now: for every site that allocated a sampled block, the
     * samples it allocated and those still live, per tier. See {@link WallocConfig.Builder#profile(int)}
     * for what is sampled, and {@link ProfileSnapshot} and {@link AllocationSite} for what the
     * figures mean.
     *
     * @return a snapshot, consistent in itself
     * @throws IllegalStateException when the instance keeps no profile, or after {@link #close()}
     */
    public ProfileSnapshot profile() {
        if (profiler == null) {
            throw new IllegalStateException(this + " keeps no allocation profile: create it with "
                    + "WallocConfig.builder().profile(rate)");
        }
        int g = gate.enter();
        try {
            return profiler.read(w);
        } finally {
            gate.exit(g);
        }
    }

    /**
     * Frees a block. {@code size} must be the size given at allocation (unchecked instances accept
     * any size of the same size class). After this the handle must not be used. With the thread
     * cache, a block of up to 4 KiB may wait in the calling thread's bin for its next allocation
     * of that size; the checks are those of unchecked mode (tier, alignment, handed-out range).
     *
     * @param handle the block's handle
     * @param size the size it was allocated with
     * @throws InvalidHandleException when the handle lies in no tier or is misaligned, or (checked
     *     mode) the block was freed already, the size differs, or it is not the start of a block
     * @throws IndexOutOfBoundsException ({@link WallocBoundsException}) when the block's range,
     *     with size read as unsigned, is outside what its tier handed out (a negative size always is)
     * @throws IllegalStateException after {@link #close()}
     */
    public void free(long handle, long size) {
        segments.freed(handle, SegmentScopes.RAW);
        int st;
        if (cache == null) { // one native call: the native gate alone guards it
            st = CoreCalls.free(w, handle, size);
            Reference.reachabilityFence(this); // w lives as long as this Walloc (NativeSide)
        } else if (cache.put(handle, size, -1)) {
            return;
        } else {
            int g = gate.enter();
            try {
                st = CoreCalls.free(w, handle, size);
                if (st == 0) {
                    cache.freedInCore(handle, size);
                }
            } finally {
                gate.exit(g);
            }
        }
        if (st != 0) {
            throw freeFailure(st, handle, size);
        }
    }

    /* Out of line, so that free stays small enough to inline into its callers. */
    private RuntimeException freeFailure(int st, long handle, long size) {
        return Errors.error(st, "free(" + Errors.hex(handle) + ", " + size + (size < 0 ? " (negative size)" : "") + ")", handle,
                null, size);
    }

    /**
     * Allocates several blocks at once, all or nothing.
     *
     * @param sizes each block's size
     * @param tiers each block's tier, as long as sizes
     * @return the handles, in order
     * @throws WallocOutOfMemoryException when one of them does not fit (none is allocated then)
     * @throws IllegalArgumentException for arrays of different lengths, a negative or too large
     *     size (none is allocated then)
     * @throws NullPointerException for a null array or tier
     * @throws IllegalStateException after {@link #close()}
     */
    public long[] allocateBatch(long[] sizes, Tier[] tiers) {
        return batch.allocate(sizes, tiers);
    }

    /**
     * Allocates {@code sizes.length} blocks, all or nothing, without allocating Java objects: tiers
     * by {@link Tier#code()}, handles into {@code out}. On failure every {@code out[i]} is
     * {@link #NULL}.
     *
     * @param sizes each block's size
     * @param tierCodes each block's tier code (0, 1, 2)
     * @param out receives the handles; at least as long as sizes
     * @throws WallocOutOfMemoryException when a block does not fit
     * @throws IllegalArgumentException for a negative (read as unsigned: too large) or too large
     *     size, an unknown tier code ({@link WallocArgumentException}), or arrays too short
     * @throws NullPointerException for a null array
     * @throws IllegalStateException after {@link #close()}
     */
    public void allocateBatch(long[] sizes, int[] tierCodes, long[] out) {
        batch.allocate(sizes, tierCodes, out);
    }



    /**
     * Allocates a {@link Block}: an object owning one block, freed by its {@code close()}.
     *
     * @param size bytes, 0 or more
     * @param tier the tier
     * @return the block
     * @throws WallocOutOfMemoryException when the tier has no room
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws NullPointerException for a null tier
     * @throws IllegalStateException after {@link #close()}
     */
    public Block allocateBlock(long size, Tier tier) {
        return orFail(tryAllocateBlock(size, tier), size, tier);
    }

    /**
     * Like {@link #allocateBlock(long, Tier)}, but returns null when the tier has no room.
     *
     * @param size bytes, 0 or more
     * @param tier the tier
     * @return the block, or null when the tier is full
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws NullPointerException for a null tier
     * @throws IllegalStateException after {@link #close()}
     */
    public Block tryAllocateBlock(long size, Tier tier) {
        int t = tierCode(tier);
        if (size < 0 || size > capacity[t]) {
            throw allocFailure(size, tier); // before any stack walk: no site for a call that cannot allocate
        }
        if (sampler != null && sampler.due()) {
            return samples.block(size, tier, profiler.callerSite());
        }
        TierHistory.Epoch e = history.of(t);
        long cachedBlock = cached(size, t, e.number());
        if (cachedBlock != NULL) {
            return new Block(this, history, cachedBlock, size, tier, e); // dead on arrival if a reset came after e
        }
        int g = gate.enter();
        try {
            long h = CoreCalls.alloc(w, size, t);
            if (h == NULL) {
                return null;
            }
            if (cache != null) {
                cache.handedOut(t, h, size);
            }
            return new Block(this, history, h, size, tier, history.of(t));
        } finally {
            gate.exit(g);
        }
    }

    /**
     * {@link #allocateBlock(long, Tier)} in {@link #DEFAULT_TIER}.
     *
     * @param size bytes, 0 or more
     * @return the block
     * @throws WallocOutOfMemoryException when the tier has no room
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws IllegalStateException after {@link #close()}
     */
    public Block allocateBlock(long size) {
        return allocateBlock(size, DEFAULT_TIER);
    }

    /**
     * Like {@link #allocateBlock(long, Tier)}, but an instance that keeps a profile
     * ({@link WallocConfig.Builder#profile(int)}) records the block, whatever the rate, as a
     * sample of the site named {@code site} ({@link AllocationSite.Kind#NAMED}, its single frame
     * the name) instead of a stack: for blocks whose origin is better told by a name than by
     * code, and rare enough to record every one. The asset registry names each asset's block
     * {@code asset:<path>}. Without a profile the name is not used.
     *
     * @param size bytes, 0 or more
     * @param tier the tier
     * @param site the site's name
     * @return the block
     * @throws WallocOutOfMemoryException when the tier has no room
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws NullPointerException for a null tier or site
     * @throws IllegalStateException after {@link #close()}
     */
    public Block allocateBlock(long size, Tier tier, String site) {
        return orFail(tryAllocateBlock(size, tier, site), size, tier);
    }

    /**
     * Like {@link #allocateBlock(long, Tier, String)}, but returns null when the tier has no room.
     *
     * @param size bytes, 0 or more
     * @param tier the tier
     * @param site the site's name
     * @return the block, or null when the tier is full
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws NullPointerException for a null tier or site
     * @throws IllegalStateException after {@link #close()}
     */
    public Block tryAllocateBlock(long size, Tier tier, String site) {
        Objects.requireNonNull(site, "site is null");
        int t = tierCode(tier);
        if (profiler == null) {
            return tryAllocateBlock(size, tier);
        }
        if (size < 0 || size > capacity[t]) {
            throw allocFailure(size, tier);
        }
        return samples.block(size, tier, profiler.namedSite(site));
    }

    /**
     * Like {@link #allocateBlock}, with the block's bytes set to zero.
     *
     * @param size bytes, 0 or more
     * @param tier the tier
     * @return the block
     * @throws WallocOutOfMemoryException when the tier has no room
     * @throws IllegalArgumentException for a negative size or one larger than the tier
     * @throws NullPointerException for a null tier
     * @throws IllegalStateException after {@link #close()}
     */
    public Block allocateBlockZeroed(long size, Tier tier) {
        Block b = allocateBlock(size, tier);
        zero(b.handle(), size);
        return b;
    }


    // ------------------------------------------------------------------ reset / compact

    /**
     * Forgets every block of the tier: its handles become invalid, its memory is reused by later
     * allocations (it stays committed). {@link Block}s of the tier refuse reads and writes
     * afterwards. Runs alone: waits for calls in flight, and later calls wait for it.
     *
     * @param tier the tier
     * @throws NullPointerException for a null tier
     * @throws IllegalStateException after {@link #close()}
     */
    public void resetTier(Tier tier) {
        int t = tierCode(tier);
        gate.exclusive(() -> {
            int st = WallocNative.resetTier(w, t);
            if (st != 0) {
                throw Errors.error(st, "resetTier(" + tier + ")", NULL, tier, 0);
            }
            released(t, TierHistory.NOTHING_KEPT);
            return null;
        });
    }

    /**
     * Moves the tier's bump head back to {@code keepBytes} (rounded up to the tier's alignment)
     * from the tier's start: blocks wholly below stay valid and untouched, nothing moves; every
     * other block is released; free blocks below {@code keepBytes} stay free for reuse. O(spans
     * of the tier). "Wholly below"
     * counts a block's {@linkplain #footprint footprint}, not the size it was allocated with: a
     * block of 1100 bytes in a 1280-byte class at offset 0 survives a keep of 1280, not one of
     * 1152 (the head moves inside its class, whose tail is handed out again). {@link Block}s that
     * were released refuse reads and writes afterwards, and their {@code close()} frees nothing.
     * Runs alone, like {@link #resetTier}.
     *
     * @param tier the tier
     * @param keepBytes bytes from the tier's start to keep, 0 or more
     * @throws IllegalArgumentException for a negative keepBytes
     * @throws NullPointerException for a null tier
     * @throws IllegalStateException after {@link #close()}
     */
    public void fastCompactTier(Tier tier, long keepBytes) {
        int t = tierCode(tier);
        if (keepBytes < 0) {
            throw new IllegalArgumentException("negative keepBytes " + keepBytes + " compacting tier " + tier);
        }
        gate.exclusive(() -> {
            int st = WallocNative.compactTier(w, t, keepBytes);
            if (st != 0) {
                throw Errors.error(st, "fastCompactTier(" + tier + ", " + keepBytes + ")", NULL, tier, keepBytes);
            }
            released(t, history.compactLimit(t, keepBytes));
            return null;
        });
    }

    /* Closing ends every tier's epoch, so that Blocks see the close in their epoch check alone. */
    private void endEpochs() {
        history.closing(); // before the epochs end: a Block that finds its epoch ended can tell why
        for (int t = 0; t < TIERS.length; t++) {
            released(t, TierHistory.NOTHING_KEPT);
        }
    }

    /* Inside exclusive() or a close: the blocks of tier t ending above limit died; everything
     * that remembers them forgets them, then the tier's epoch moves on. */
    private void released(int t, long limit) {
        segments.released(tierStart[t], tierStart[t] + capacity[t], limit);
        if (profiler != null) {
            profiler.released(limit == TierHistory.NOTHING_KEPT ? tierStart[t] : limit, tierStart[t] + capacity[t]);
        }
        if (cache != null) {
            cache.forget(t);
        }
        history.advance(t, limit);
    }


    // ------------------------------------------------------------------ statistics

    /**
     * A snapshot of one tier's statistics.
     *
     * @param tier the tier
     * @return the statistics
     * @throws NullPointerException for a null tier
     * @throws IllegalStateException after {@link #close()}
     */
    public TierStats tierStats(Tier tier) {
        int t = tierCode(tier);
        long[] v = new long[TierStats.SLOTS];
        int g = gate.enter();
        int st;
        try {
            st = WallocNative.tierStats(w, t, v);
            if (st == 0 && cache != null) {
                cache.adjust(t, v);
            }
        } finally {
            gate.exit(g);
        }
        Errors.check(st, "tierStats", NULL, tier, 0);
        return TierStats.of(tier, v, frees.unclosedFreed(t));
    }

    /**
     * The tier a handle lies in (within what that tier has handed out).
     *
     * @param handle a handle
     * @return the tier
     * @throws InvalidHandleException when the handle lies in no tier's handed-out range
     * @throws IllegalStateException after {@link #close()}
     */
    public Tier tierOf(long handle) {
        int r = WallocNative.tierOf(w, handle);
        Reference.reachabilityFence(this); // w lives as long as this Walloc (NativeSide)
        if (r < 0) {
            throw Errors.error(-r, "tierOf(" + Errors.hex(handle) + ")", handle, null, 0);
        }
        return Tier.ofCode(r);
    }

    // ------------------------------------------------------------------ data

    /**
     * Copies all of {@code src} into the instance at {@code handle}.
     *
     * @param handle where to write
     * @param src the bytes
     * @throws InvalidHandleException when the handle lies in no tier
     * @throws IndexOutOfBoundsException when the range is past what the tier handed out
     * @throws NullPointerException for a null array
     * @throws IllegalStateException after {@link #close()}
     */
    public void writeData(long handle, byte[] src) {
        Objects.requireNonNull(src, "src is null");
        writeData(handle, src, 0, src.length);
    }

    /**
     * Copies {@code src[offset, offset + length)} into the instance at {@code handle}.
     *
     * @param handle where to write
     * @param src the bytes
     * @param offset first byte of src
     * @param length bytes to copy
     * @throws InvalidHandleException when the handle lies in no tier
     * @throws IndexOutOfBoundsException when offset/length do not fit src, or the range is past
     *     what the tier handed out
     * @throws NullPointerException for a null array
     * @throws IllegalStateException after {@link #close()}
     */
    public void writeData(long handle, byte[] src, int offset, int length) {
        access.write(handle, src, offset, length);
    }

    /**
     * Copies {@code length} bytes at {@code handle} into a new array.
     *
     * @param handle where to read
     * @param length bytes, 0 or more
     * @return the bytes
     * @throws InvalidHandleException when the handle lies in no tier
     * @throws IndexOutOfBoundsException when the range is past what the tier handed out (checked
     *     before the array is made, so a huge length is this, not an {@link OutOfMemoryError})
     * @throws IllegalArgumentException for a negative length
     * @throws IllegalStateException after {@link #close()}
     */
    public byte[] readData(long handle, int length) {
        return access.read(handle, length);
    }



    /**
     * Copies {@code length} bytes at {@code handle} into {@code dst[offset, offset + length)}.
     *
     * @param handle where to read
     * @param dst the destination
     * @param offset first byte of dst
     * @param length bytes to copy
     * @throws InvalidHandleException when the handle lies in no tier
     * @throws IndexOutOfBoundsException when offset/length do not fit dst, or the range is past
     *     what the tier handed out
     * @throws NullPointerException for a null array
     * @throws IllegalStateException after {@link #close()}
     */
    public void readData(long handle, byte[] dst, int offset, int length) {
        access.read(handle, dst, offset, length);
    }

    /**
     * Copies {@code length} bytes from {@code src} to {@code dst} inside the instance (memmove:
     * the ranges may overlap, and may lie in different tiers).
     *
     * @param dst destination handle
     * @param src source handle
     * @param length bytes, 0 or more (a negative length, read as unsigned, is out of bounds)
     * @throws InvalidHandleException when a handle lies in no tier
     * @throws IndexOutOfBoundsException ({@link WallocBoundsException}) when a range is past what
     *     its tier handed out
     * @throws IllegalStateException after {@link #close()}
     */
    public void copy(long dst, long src, long length) {
        access.copy(dst, src, length);
    }

    /**
     * Performs several copies, in order, each like {@link #copy}. Every entry is validated before
     * any byte is copied: on error nothing is copied and the message names the first bad entry.
     *
     * @param ops {@code (dst, src, length)} triples: {@code ops.length} must be a multiple of 3
     * @throws BulkCopyException when an entry is refused (a handle in no tier, a range past what
     *     its tier handed out, a negative length read as unsigned): says which and why
     * @throws IllegalArgumentException for an array length that is not a multiple of 3
     * @throws NullPointerException for a null array
     * @throws IllegalStateException after {@link #close()}
     */
    public void bulkCopy(long[] ops) {
        access.bulkCopy(ops);
    }

    /**
     * Performs {@code dst.length} copies: {@code src[i]} to {@code dst[i]}, {@code lengths[i]}
     * bytes. Same rules as {@link #bulkCopy(long[])}.
     *
     * @param dst destination handles
     * @param src source handles
     * @param lengths byte counts
     * @throws IllegalArgumentException when the arrays differ in length
     * @throws NullPointerException for a null array
     * @throws IllegalStateException after {@link #close()}
     */
    public void bulkCopy(long[] dst, long[] src, long[] lengths) {
        access.bulkCopy(dst, src, lengths);
    }

    /**
     * A direct {@link ByteBuffer} over {@code [handle, handle + length)}, in native byte order,
     * after the core checked the range. The buffer is raw memory: it reaches the block only while
     * the block is live, its tier not reset and the instance open (see the class comment).
     *
     * @param handle first byte
     * @param length bytes, 0 or more
     * @return the view, position 0, limit and capacity {@code length}
     * @throws IndexOutOfBoundsException when the range is not inside what one tier handed out
     * @throws IllegalArgumentException for a negative length
     * @throws IllegalStateException after {@link #close()}
     */
    public ByteBuffer view(long handle, int length) {
        return access.view(handle, length);
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return gate.isClosed();
    }

    /**
     * Releases the region: waits for calls in flight on other threads, then frees everything
     * and gives the region's RAM back to the system. Every handle becomes invalid; later calls
     * throw {@link IllegalStateException}, but for those the class comment lists ("After close").
     * Views still held read zeros (on Windows: unspecified bytes); the address range is unmapped once the last of them is
     * unreachable. A second close is a no-op.
     *
     * <p>With a profile ({@link WallocConfig.Builder#profile(int)}), the sampled blocks still live
     * at this point are leaks: their sites go to {@link WallocConfig#leakListener()} as a
     * {@link LeakReport}, on this thread, once the instance is closed (nothing live: no report).
     */
    @Override
    public void close() {
        if (gate.close(this::endEpochs)) {
            // with a profile: read it before the core goes (no call can change it now), report after
            ProfileSnapshot last = profiler != null ? profiler.last(w) : null;
            nativeSide.destroy();
            if (last != null) {
                profiler.reportLeaks(last);
            }
        }
        Reference.reachabilityFence(this); // NativeSide must not run before destroy() returns
    }

    @Override
    public String toString() {
        return "Walloc[" + config + (isClosed() ? ", closed" : "") + "]";
    }

    // ------------------------------------------------------------------ package-private helpers

    Gate gate() {
        return gate;
    }

    long nativeInstance() {
        return w;
    }


    /* Segments.of(w, handle, size) (JDK 22+). */
    <T> T segment(long handle, long size, Access.SegmentMaker<T> maker) {
        return access.segment(handle, size, maker);
    }

    /* Segments.of(block) (JDK 22+). */
    <T> T segment(Block b, Access.SegmentMaker<T> maker) {
        return access.segment(b, maker);
    }

    /** A view over a live block's [handle, handle + length); the caller is inside the gate. */
    ByteBuffer blockView(long handle, int length) {
        return access.blockView(handle, length);
    }

    /* Block.close() (see Frees). */
    void freeBlock(Block b, int blockEpoch) {
        frees.freeBlock(b, blockEpoch);
    }

    /* Block's constructor: the Cleaner's action for it, or null (see Frees). */
    UnclosedBlock watchUnclosed(Block b, int epoch) {
        return frees.watchUnclosed(b, epoch);
    }

    /** The region's lifetime, to see in tests when it is unmapped. */
    Region.Lifetime regionLifetime() {
        return region.lifetime();
    }

    private static int tierCode(Tier tier) {
        if (tier == null) {
            throw new NullPointerException("tier is null");
        }
        return tier.code();
    }



}
