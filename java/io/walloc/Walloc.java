package io.walloc;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

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
    private final AtomicLongArray unclosedFreed = new AtomicLongArray(3); // per tier
    private final AtomicBoolean unclosedLogged = new AtomicBoolean();

    private Walloc(long w, WallocConfig config) {
        this.w = w;
        this.config = config;
        String name = "Walloc#" + IDS.incrementAndGet();
        this.gate = new Gate(name, w);
        long[] s = new long[TierStats.SLOTS];
        for (Tier t : TIERS) {
            check(WallocNative.tierStats(w, t.code(), s), "tierStats", NULL, t, 0);
            capacity[t.code()] = s[TierStats.CAPACITY];
        }
        long[] range = new long[2];
        for (Tier t : TIERS) {
            check(WallocNative.tierRange(w, t.code(), range), "tierRange", NULL, t, 0);
            tierStart[t.code()] = range[0];
        }
        this.history = new TierHistory(w, tierStart, capacity);
        this.region = new Region(w);
        this.profiler = config.profiling() ? new Profiler(name, config, tierStart[2] + capacity[2]) : null;
        this.sampler = profiler != null ? profiler.sampler() : null;
        this.cache = config.threadCache() ? new ThreadCache(w, gate, history, capacity,
                profiler != null ? profiler.pages() : null) : null;
        this.nativeSide = new NativeSide(w, gate, region);
        Region.CLEANER.register(this, nativeSide);
    }

    /**
     * The native side of an instance: the core, destroyed at close (its RAM goes back at once, its
     * address range once no view over it is reachable either: {@link Region}), and the handle
     * {@code w} with its call gate, which calls made after close still read, freed only once the
     * Walloc is unreachable (a Cleaner action; it references no Walloc).
     */
    private static final class NativeSide implements Runnable {
        private final long w;
        private final Gate gate;
        private final Region region;
        private boolean destroyed; // guarded by this

        NativeSide(long w, Gate gate, Region region) {
            this.w = w;
            this.gate = gate;
            this.region = region;
        }

        /** Destroys the core, once; the gate is closed. */
        synchronized void destroy() {
            if (!destroyed) {
                destroyed = true;
                WallocNative.destroyKeepRegion(w);
                region.instanceDestroyed();
            }
        }

        /** The Walloc is unreachable: no call can be in flight or come. */
        @Override
        public void run() {
            gate.close(() -> { }); // no Block is left to tell
            destroy();
            WallocNative.release(w);
        }
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
     */
    public long tierStart(Tier tier) {
        return tierStart[tierCode(tier)];
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
        Objects.requireNonNull(buffer, "buffer is null");
        long address = buffer.isDirect() ? WallocNative.address(buffer) : 0;
        if (address == 0) {
            return NULL;
        }
        long handle = address - region.address(0) + buffer.position();
        int g = gate.enter();
        try {
            return WallocNative.checkRange(w, handle, buffer.remaining()) == 0 ? handle : NULL;
        } finally {
            gate.exit(g);
        }
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
            return sample(size, tier, false);
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
        int st = WallocNative.fill(w, handle, value, length);
        Reference.reachabilityFence(this); // w lives as long as this Walloc (NativeSide)
        if (st != 0) {
            throw error(st, "fill of " + length + (length < 0 ? " (negative)" : "") + " bytes at " + hex(handle), handle,
                    null, length);
        }
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
            return sample(size, tier, true);
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

    private RuntimeException allocFailure(long size, Tier tier) {
        if (size < 0) {
            return new WallocArgumentException(Status.INVALID_SIZE, "negative size " + size + " (as unsigned: "
                    + Long.toUnsignedString(size) + " bytes) for tier " + tier);
        }
        long cap = capacity[tier.code()];
        if (size > cap) {
            return new WallocArgumentException(Status.INVALID_SIZE, "size " + size + " is larger than tier " + tier
                    + " (" + cap + " bytes)");
        }
        if (gate.isClosed()) { // the native gate refused the call
            return gate.closed();
        }
        return new WallocOutOfMemoryException(tier, size, "tier " + tier + " has no room for " + size + " bytes");
    }

    // ------------------------------------------------------------------ samples of the profile

    /* allocate (or tryAllocate: orNull) of a sample, recorded at the caller's stack. */
    private long sample(long size, Tier tier, boolean orNull) {
        int t = tier.code();
        if (size < 0 || size > capacity[t]) {
            throw allocFailure(size, tier); // before the stack walk: no site for a call that cannot allocate
        }
        long site = profiler.callerSite();
        long h;
        int g = gate.enter();
        try {
            h = sampleInGate(size, t, site);
        } finally {
            gate.exit(g);
        }
        if (h == NULL) {
            RuntimeException e = allocFailure(size, tier);
            if (orNull && e instanceof WallocOutOfMemoryException) {
                return NULL;
            }
            throw e;
        }
        profiler.allocated(h, size, tier, site);
        return h;
    }

    /* allocateBlock of a sample of site. */
    private Block sampleBlock(long size, Tier tier, long site) {
        int t = tier.code();
        Block b;
        int g = gate.enter();
        try {
            long h = sampleInGate(size, t, site);
            if (h == NULL) {
                throw allocFailure(size, tier);
            }
            b = new Block(this, history, h, size, tier, history.of(t));
        } finally {
            gate.exit(g);
        }
        profiler.allocated(b.handle(), size, tier, site);
        return b;
    }

    /* Inside the gate: a block the core records as a sample of site, or NULL. Its page is marked
     * before anyone can free it, so that its free reaches the core (SampledPages). */
    private long sampleInGate(long size, int t, long site) {
        long h = WallocNative.allocSite(w, size, t, site);
        if (h != NULL) {
            profiler.recorded(h);
            if (cache != null) {
                cache.handedOut(t, h, size);
            }
        }
        return h;
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
        return error(st, "free(" + hex(handle) + ", " + size + (size < 0 ? " (negative size)" : "") + ")", handle,
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
        Objects.requireNonNull(sizes, "sizes is null");
        Objects.requireNonNull(tiers, "tiers is null");
        if (sizes.length != tiers.length) {
            throw new IllegalArgumentException(sizes.length + " sizes but " + tiers.length + " tiers");
        }
        int[] codes = new int[tiers.length];
        for (int i = 0; i < tiers.length; i++) {
            if (tiers[i] == null) {
                throw new NullPointerException("tiers[" + i + "] is null");
            }
            codes[i] = tiers[i].code();
        }
        long[] out = new long[sizes.length];
        allocateBatch(sizes, codes, out);
        return out;
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
        Objects.requireNonNull(sizes, "sizes is null");
        Objects.requireNonNull(tierCodes, "tierCodes is null");
        Objects.requireNonNull(out, "out is null");
        int n = sizes.length;
        if (tierCodes.length < n || out.length < n) {
            throw new IllegalArgumentException(n + " sizes but " + tierCodes.length + " tier codes and room for "
                    + out.length + " handles");
        }
        int[] samples = sampler != null ? sampler.dueAmong(n) : null;
        if (samples != null) {
            allocateBatchWithSamples(sizes, tierCodes, out, n, samples);
            return;
        }
        int g = gate.enter();
        int st;
        try {
            st = WallocNative.allocBatch(w, sizes, tierCodes, n, out);
            if (st == 0 && cache != null) {
                for (int i = 0; i < n; i++) {
                    cache.handedOut(tierCodes[i], out[i], sizes[i]);
                }
            }
        } finally {
            gate.exit(g);
        }
        if (st != 0) {
            throw batchFailure(st, n, tierCodes);
        }
    }

    private static RuntimeException batchFailure(int st, int n, int[] tierCodes) {
        Status s = Status.ofCode(st);
        String what = "allocateBatch of " + n + " blocks";
        if (s == Status.OUT_OF_MEMORY) {
            return new WallocOutOfMemoryException(null, -1, what + ": a tier has no room (nothing was allocated)");
        }
        if (s == Status.INVALID_TIER) {
            return new WallocArgumentException(s, what + ": unknown tier code in " + Arrays.toString(tierCodes)
                    + " (nothing was allocated)");
        }
        if (s == Status.INVALID_SIZE) {
            return new WallocArgumentException(s, what + ": a size is larger than its tier (nothing was allocated)");
        }
        return error(st, what, NULL, null, 0);
    }

    /* allocateBatch when entries samples (ascending) are samples: the others as one core batch, then
     * each sample on its own (at the caller's stack), all or nothing like the core's batch: every
     * entry is checked first, and a sample that finds no room gives back what was allocated. */
    private void allocateBatchWithSamples(long[] sizes, int[] tierCodes, long[] out, int n, int[] samples) {
        for (int i = 0; i < n; i++) { // what the core's batch checks before it allocates
            int t = tierCodes[i];
            if (t < 0 || t >= TIERS.length) {
                throw batchFailure(Status.INVALID_TIER.code(), n, tierCodes);
            }
            if (sizes[i] < 0 || sizes[i] > capacity[t]) {
                throw batchFailure(Status.INVALID_SIZE.code(), n, tierCodes);
            }
        }
        long site = profiler.callerSite();
        int k = samples.length;
        long[] restSizes = new long[n - k];
        int[] restTiers = new int[n - k];
        long[] rest = new long[n - k];
        for (int i = 0, j = 0, r = 0; i < n; i++) {
            if (j < k && samples[j] == i) {
                j++;
            } else {
                restSizes[r] = sizes[i];
                restTiers[r++] = tierCodes[i];
            }
        }
        int st;
        int g = gate.enter();
        try {
            st = WallocNative.allocBatch(w, restSizes, restTiers, n - k, rest);
            boolean restMade = st == 0;
            int made = 0;
            for (; st == 0 && made < k; made++) {
                int i = samples[made];
                out[i] = sampleInGate(sizes[i], tierCodes[i], site);
                if (out[i] == NULL) {
                    st = Status.OUT_OF_MEMORY.code();
                    break;
                }
            }
            if (st == 0) {
                for (int i = 0, j = 0, r = 0; i < n; i++) {
                    if (j < k && samples[j] == i) {
                        j++;
                    } else {
                        out[i] = rest[r++];
                        if (cache != null) {
                            cache.handedOut(tierCodes[i], out[i], sizes[i]);
                        }
                    }
                }
            } else {
                for (int j = 0; j < made; j++) {
                    WallocNative.free(w, out[samples[j]], sizes[samples[j]]);
                }
                if (restMade) { // a failed core batch gave its own blocks back already
                    for (int r = 0; r < n - k; r++) {
                        WallocNative.free(w, rest[r], restSizes[r]);
                    }
                }
                Arrays.fill(out, 0, n, NULL);
            }
        } finally {
            gate.exit(g);
        }
        if (st != 0) {
            throw batchFailure(st, n, tierCodes);
        }
        for (int i : samples) {
            profiler.allocated(out[i], sizes[i], TIERS[tierCodes[i]], site);
        }
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
        int t = tierCode(tier);
        if (sampler != null && sampler.due()) {
            if (size < 0 || size > capacity[t]) {
                throw allocFailure(size, tier); // before the stack walk: no site for a call that cannot allocate
            }
            return sampleBlock(size, tier, profiler.callerSite());
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
                throw allocFailure(size, tier);
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
        Objects.requireNonNull(site, "site is null");
        int t = tierCode(tier);
        if (profiler == null) {
            return allocateBlock(size, tier);
        }
        if (size < 0 || size > capacity[t]) {
            throw allocFailure(size, tier);
        }
        return sampleBlock(size, tier, profiler.namedSite(site));
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

    /* Block.close(): frees the block unless the owner is closed or a reset/compaction released it;
     * the check and the free happen in one gate section, so no reset can come between them. The
     * thread cache takes the block only while its tier is still in the block's epoch (a reset
     * racing that drops the bin). */
    void freeBlock(Block b, int blockEpoch) {
        Object key = b.segmentKeyIfAny();
        if (key != null) {
            segments.freed(b.handle(), key);
        }
        if (cache != null && cache.put(b.handle(), b.size(), blockEpoch)) {
            return;
        }
        int st = freeIfAlive(b.handle(), b.size(), b.tier().code(), blockEpoch, null);
        if (st != 0 && st != NOT_FREED) {
            throw error(st, "closing " + b, b.handle(), b.tier(), b.size());
        }
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
                throw error(st, "resetTier(" + tier + ")", NULL, tier, 0);
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
                throw error(st, "fastCompactTier(" + tier + ", " + keepBytes + ")", NULL, tier, keepBytes);
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

    /* What freeIfAlive answers when it frees nothing: the instance is closed, or a reset or
     * compaction released the block (no core status is negative). */
    private static final int NOT_FREED = -1;

    /* Frees the block [h, h + size) of tier t from epoch e in the core, unless the instance is
     * closed or a reset or compaction released it, after ending its segments of segmentOwner (null:
     * the caller did). Returns the core's status, or NOT_FREED. */
    private int freeIfAlive(long h, long size, int t, int e, Object segmentOwner) {
        int g;
        try {
            g = gate.enter();
        } catch (IllegalStateException closed) {
            return NOT_FREED;
        }
        try {
            if (!history.alive(t, h, size, e)) {
                return NOT_FREED;
            }
            if (segmentOwner != null) {
                segments.freed(h, segmentOwner);
            }
            int st = CoreCalls.free(w, h, size);
            if (st == 0 && cache != null) {
                cache.freedInCore(h, size);
            }
            return st;
        } finally {
            gate.exit(g);
        }
    }

    /* Block's constructor: the Cleaner's action for it, or null when unclosed blocks are not watched. */
    UnclosedBlock watchUnclosed(Block b, int epoch) {
        if (!config.freeUnclosedBlocks()) {
            return null;
        }
        UnclosedBlock u = new UnclosedBlock(this, b.handle(), b.size(), b.tier(), epoch);
        Region.CLEANER.register(b, u);
        return u;
    }

    /* The Cleaner's thread: a Block of epoch e became unreachable unclosed. Frees it unless the
     * instance is closed or a reset or compaction released it; counts and (once) logs what it frees. */
    void freeUnclosed(long h, long size, Tier tier, int e) {
        int t = tier.code();
        int st = freeIfAlive(h, size, t, e, SegmentScopes.RAW); // alive: every segment at h is this block's
        if (st == 0) {
            unclosedFreed.incrementAndGet(t);
            if (unclosedLogged.compareAndSet(false, true)) {
                System.getLogger("io.walloc").log(System.Logger.Level.WARNING, this + ": a Block of " + size
                        + " bytes in tier " + tier + " at " + hex(h) + " became unreachable without close(); the"
                        + " Cleaner freed it (this is logged once per instance; TierStats.unclosedBlocksFreed counts them all)");
            }
        }
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
        check(st, "tierStats", NULL, tier, 0);
        return TierStats.of(tier, v, unclosedFreed.get(t));
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
            throw error(-r, "tierOf(" + hex(handle) + ")", handle, null, 0);
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
        Objects.requireNonNull(src, "src is null");
        Objects.checkFromIndexSize(offset, length, src.length);
        int st = WallocNative.write(w, handle, src, offset, length);
        Reference.reachabilityFence(this); // w lives as long as this Walloc (NativeSide)
        if (st != 0) {
            throw error(st, "writeData of " + length + " bytes at " + hex(handle), handle, null, length);
        }
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
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length + " reading at " + hex(handle));
        }
        checkReadable(handle, length); // before the array: a length past the range must not cost the heap
        byte[] b = new byte[length];
        readData(handle, b, 0, length);
        return b;
    }

    private static final byte[] NO_BYTES = {};

    /* Throws what readData of [handle, handle + length) would throw for the range, if anything. */
    private void checkReadable(long handle, int length) {
        int g = gate.enter();
        int st;
        boolean inRange;
        try {
            st = WallocNative.read(w, handle, NO_BYTES, 0, 0); // the handle alone
            inRange = st == 0 && WallocNative.checkRange(w, handle, length) == 0;
        } finally {
            gate.exit(g);
        }
        if (!inRange) {
            throw error(st != 0 ? st : Status.OUT_OF_BOUNDS.code(), "readData of " + length + " bytes at " + hex(handle),
                    handle, null, length);
        }
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
        Objects.requireNonNull(dst, "dst is null");
        Objects.checkFromIndexSize(offset, length, dst.length);
        int st = WallocNative.read(w, handle, dst, offset, length);
        Reference.reachabilityFence(this); // w lives as long as this Walloc (NativeSide)
        if (st != 0) {
            throw error(st, "readData of " + length + " bytes at " + hex(handle), handle, null, length);
        }
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
        int st = WallocNative.copy(w, dst, src, length);
        Reference.reachabilityFence(this); // w lives as long as this Walloc (NativeSide)
        if (st != 0) {
            throw error(st, "copy of " + length + (length < 0 ? " (negative)" : "") + " bytes from " + hex(src) + " to "
                    + hex(dst), dst, null, length);
        }
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
        Objects.requireNonNull(ops, "ops is null");
        if (ops.length % 3 != 0) {
            throw new IllegalArgumentException("ops must hold (dst, src, length) triples; length " + ops.length
                    + " is not a multiple of 3");
        }
        int n = ops.length / 3;
        long r = WallocNative.bulkCopy(w, ops, n);
        Reference.reachabilityFence(this); // w lives as long as this Walloc (NativeSide)
        if (r != 0) {
            int st = (int) (r & 0xFF);
            if (st == WallocNative.CLOSED) {
                throw gate.closed();
            }
            int i = (int) (r >>> 8);
            String what = "bulkCopy entry " + i + " (" + ops[3 * i + 2] + " bytes from " + hex(ops[3 * i + 1]) + " to "
                    + hex(ops[3 * i]) + "), nothing was copied";
            Status s = st >= 0 && st <= 10 ? Status.ofCode(st) : Status.INVALID_ARGUMENT;
            throw new BulkCopyException(s, i, what + ": " + s.description());
        }
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
        Objects.requireNonNull(dst, "dst is null");
        Objects.requireNonNull(src, "src is null");
        Objects.requireNonNull(lengths, "lengths is null");
        if (dst.length != src.length || dst.length != lengths.length) {
            throw new IllegalArgumentException("bulkCopy arrays differ in length: dst " + dst.length + ", src " + src.length
                    + ", lengths " + lengths.length);
        }
        long[] ops = new long[dst.length * 3];
        for (int i = 0; i < dst.length; i++) {
            ops[3 * i] = dst[i];
            ops[3 * i + 1] = src[i];
            ops[3 * i + 2] = lengths[i];
        }
        bulkCopy(ops);
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
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length + " for a view at " + hex(handle));
        }
        int g = gate.enter();
        ByteBuffer b;
        try {
            b = WallocNative.checkRange(w, handle, length) == 0 ? region.slice(handle, length) : null;
        } finally {
            gate.exit(g);
        }
        if (b == null) {
            throw new WallocBoundsException("no view of " + length + " bytes at " + hex(handle)
                    + ": the range is not inside what one tier has handed out");
        }
        return b.order(ByteOrder.nativeOrder());
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

    /** What {@code Segments} (JDK 22+) makes a segment from: the block at handle, its address
     *  and size, and where its footprint ends. */
    interface SegmentMaker<T> {
        T make(SegmentScopes scopes, long address, long handle, long size, long end);
    }

    /* Segments.of(w, handle, size): inside the gate, after the core checked the range. */
    <T> T segment(long handle, long size, SegmentMaker<T> maker) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for a segment at " + hex(handle));
        }
        int g = gate.enter();
        try {
            int r = WallocNative.tierOf(w, handle);
            if (r < 0 || WallocNative.checkRange(w, handle, size) != 0) {
                throw new WallocBoundsException("no segment of " + size + " bytes at " + hex(handle)
                        + ": the range is not inside what one tier has handed out");
            }
            long end = handle + WallocNative.blockSize(w, r, size);
            return maker.make(segments, region.address(handle), handle, size, end);
        } finally {
            gate.exit(g);
        }
    }

    /* Segments.of(block): inside the gate, after the block's liveness check. */
    <T> T segment(Block b, SegmentMaker<T> maker) {
        int g = gate.enter();
        try {
            b.checkAlive("segment");
            long end = b.handle() + WallocNative.blockSize(w, b.tier().code(), b.size());
            return maker.make(segments, region.address(b.handle()), b.handle(), b.size(), end);
        } finally {
            gate.exit(g);
        }
    }

    /** A view over a live block's [handle, handle + length); the caller is inside the gate. */
    ByteBuffer blockView(long handle, int length) {
        return region.slice(handle, length);
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

    static String hex(long handle) {
        return handle == NULL ? "NULL" : "0x" + Long.toHexString(handle);
    }

    private static void check(int st, String what, long handle, Tier tier, long size) {
        if (st != 0) {
            throw error(st, what, handle, tier, size);
        }
    }

    /** Maps a core status to the documented exception, with a message saying what was wrong. */
    static RuntimeException error(int st, String what, long handle, Tier tier, long size) {
        if (st == WallocNative.CLOSED) {
            return new IllegalStateException(what + ": the instance is closed");
        }
        Status s;
        try {
            s = Status.ofCode(st);
        } catch (IllegalArgumentException e) {
            return new IllegalStateException(what + ": unknown status " + st);
        }
        String msg = what + ": " + s.description();
        switch (s) {
            case INVALID_HANDLE:
                return new InvalidHandleException(s, handle, msg + " (handle " + hex(handle)
                        + " lies in no tier, or is misaligned for its tier)");
            case DOUBLE_FREE:
                return new InvalidHandleException(s, handle, msg + " (the block at " + hex(handle) + " was already freed)");
            case SIZE_MISMATCH:
                return new InvalidHandleException(s, handle, msg + " (" + size + " is not the size the block at "
                        + hex(handle) + " was allocated with)");
            case NOT_A_BLOCK:
                return new InvalidHandleException(s, handle, msg + " (" + hex(handle) + " is not the start of a live block)");
            case OUT_OF_BOUNDS:
                return new WallocBoundsException(msg + " (the range is past what the tier has handed out)");
            case OUT_OF_MEMORY:
                return new WallocOutOfMemoryException(tier, size, msg);
            case INVALID_TIER:
            case INVALID_SIZE:
            case INVALID_CONFIG:
            case INVALID_ARGUMENT:
                return new WallocArgumentException(s, msg);
            default:
                return new IllegalStateException(msg);
        }
    }
}
