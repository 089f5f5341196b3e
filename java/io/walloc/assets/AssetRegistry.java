package io.walloc.assets;

import io.walloc.Block;
import io.walloc.InvalidHandleException;
import io.walloc.Tier;
import io.walloc.TierStats;
import io.walloc.Walloc;
import io.walloc.WallocOutOfMemoryException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Assets by path, their bytes in blocks of one {@link Walloc}: register, get, evict, list and
 * count by tier, with an optional byte budget per tier enforced by least-recently-used eviction.
 *
 * <pre>{@code
 * try (Walloc w = Walloc.create(); AssetRegistry reg = new AssetRegistry(w)) {
 *     reg.register("scene.json", AssetInfo.of(AssetType.JSON), jsonBytes);   // one copy, BOTTOM
 *     reg.setBudget(Tier.TOP, 64L << 20);       // TOP keeps at most 64 MiB live; LRU evicted
 *     Asset a = reg.get("scene.json");           // counts as a use for LRU
 *     reg.evict("scene.json");                   // frees the block
 * }
 * }</pre>
 *
 * <h2>Registering</h2>
 * <ul>
 *   <li>{@code byte[]}, heap or direct {@link ByteBuffer} outside the instance: allocated in the
 *       tier and copied once (JNI copy for arrays, {@code ByteBuffer.put} for buffers).</li>
 *   <li>A direct {@link ByteBuffer} that already lies inside this instance's memory (a view of a
 *       block, of a {@link Reservation}, of part of a block): no copy. When it is the buffer of an
 *       open {@link Reservation} of this registry, that reservation is committed (the registry
 *       owns the block); otherwise the asset is <em>borrowed</em>: the caller keeps owning the
 *       memory, and eviction does not free it.</li>
 *   <li>A {@link Block}: adopted without copying; the registry closes it on eviction.</li>
 *   <li>A {@link Reservation}: fill its buffer, then commit; no copy.</li>
 * </ul>
 * Registering a path that is already registered replaces the old asset: the new one is put in
 * place first, then the old one's block is freed (so it is never leaked); an {@link Asset} object
 * of the old one then reports {@link Asset#isRegistered()} false and refuses reads.
 *
 * <h2>Budgets</h2>
 * {@link #setBudget(Tier, long)} bounds the tier's live bytes as {@link TierStats#liveBytes()}
 * counts them (at size-class size). Before each allocation in that tier the registry evicts its
 * least recently used assets of the tier (registration and {@link #get} count as use) until the
 * new block fits, and, when the tier still has no room (its free space is in pieces too small),
 * goes on evicting until the allocation succeeds; when it cannot (the budget is smaller than the
 * block, or what is live is not the registry's), the allocation fails with {@link WallocOutOfMemoryException} and a message
 * saying so. Borrowed assets take no new memory and are not checked against the budget. Blocks
 * of loads in flight (open {@link Reservation}s) count as live and cannot be evicted; when they
 * are all that stands in the way, an allocation waits (at most {@code ROOM_WAIT}, 10 s) for one
 * reserved by another thread to be registered (then evicted) or given back, so parallel loads
 * that together overfill a budget queue instead of failing. Its own thread's reservations never
 * make it wait. Still, keep the number of parallel loads times the largest asset below a tier's
 * budget: the free space may also be in pieces too small.
 *
 * <h2>A full tier</h2>
 * When a small request (a size class) finds no room, the core serves it from freed large extents
 * itself when the bump head is full (see {@code CoreGapTest}); the registry asks once.
 *
 * <h2>After close</h2>
 * {@link #close()} evicts every asset. Afterwards the registry answers as an empty one:
 * {@link #get}, {@link #peek}, {@link #contains}, {@link #list()}, {@link #list(Tier)},
 * {@link #size}, {@link #count}, {@link #totalBytes}, {@link #evict}, {@link #evictBatch} and
 * {@link #evictTier} find nothing; {@link #walloc()}, {@link #budget}, {@link #setBudget},
 * {@link #clearBudget}, {@link #enforceBudget} (nothing to evict), {@link #budgetEvictions},
 * {@link #footprint} (while the instance is open), {@link #isClosed()}, {@link #toString()} and
 * {@link #close()} (again: nothing) keep working. What would take memory or act on the instance
 * for the registry throws {@link IllegalStateException}: the {@code register} methods,
 * {@link #reserve}, {@link #compact} and {@link #clear} (a closed registry never resets a tier).
 * Open {@link Reservation}s stay their owners' to close; their commit throws.
 *
 * <h2>Thread safety</h2>
 * Every method may be called from any thread at any time. Metadata changes under one lock;
 * allocation and budget eviction of a tier run under that tier's lock, so concurrent loads cannot
 * together overrun a budget. {@link #compact(Tier)} and {@link #clear(Tier)} reset or compact the
 * tier through {@link Walloc}, which waits for other calls: use them only on tiers the registry
 * is the sole user of.
 */
public final class AssetRegistry implements AutoCloseable {

    private final Walloc walloc;
    private final Object lock = new Object();
    private final LruIndex index = new LruIndex(); // guarded by lock
    private final Reservations reservations = new Reservations(lock); // blocks of loads in flight
    private final TierBudgets budgets;
    /** How long a reservation may wait in all for loads in flight to make room (see reserveBlock). */
    static final Duration ROOM_WAIT = Duration.ofSeconds(10);
    private long evictions;
    private boolean closed;

    /**
     * A registry over {@code walloc}. Several registries may share an instance (then budgets and
     * compaction see each other's blocks as foreign).
     *
     * @param walloc the instance the bytes live in; it must outlive the registry's use
     * @throws NullPointerException when walloc is null
     * @throws IllegalStateException when walloc is closed
     */
    public AssetRegistry(Walloc walloc) {
        this.walloc = Objects.requireNonNull(walloc, "walloc is null");
        walloc.tierStats(Tier.TOP); // throws when the instance is closed
        this.budgets = new TierBudgets(walloc, this::evictLeastRecent, reservations);
    }

    /** @return the instance the assets live in */
    public Walloc walloc() {
        return walloc;
    }

    // ------------------------------------------------------------------ registering

    /**
     * Registers a copy of {@code data} (one copy, into a new block of {@code info.tier()}).
     *
     * @param path the path; replaces an asset registered under it
     * @param info type, tier, content type, source
     * @param data the bytes
     * @return the asset
     * @throws WallocOutOfMemoryException when the tier (or its budget) has no room; nothing changed
     * @throws IllegalStateException when the registry is closed
     */
    public Asset register(String path, AssetInfo info, byte[] data) {
        Objects.requireNonNull(data, "data is null");
        return register(path, info, data, 0, data.length);
    }

    /**
     * Registers a copy of {@code data[offset, offset + length)}.
     *
     * @param path the path
     * @param info type, tier, content type, source
     * @param data the bytes
     * @param offset first byte
     * @param length bytes
     * @return the asset
     * @throws WallocOutOfMemoryException when the tier (or its budget) has no room; nothing changed
     * @throws IndexOutOfBoundsException when offset/length do not fit data
     */
    public Asset register(String path, AssetInfo info, byte[] data, int offset, int length) {
        checkArgs(path, info);
        Objects.requireNonNull(data, "data is null");
        Objects.checkFromIndexSize(offset, length, data.length);
        try (Reservation r = reserve(length, info.tier(), path)) {
            r.write(0, ByteBuffer.wrap(data, offset, length)); // nowhere if a reset took the block meanwhile
            return r.commit(path, info, length);
        }
    }

    /**
     * Registers a type's bytes in its default tier (one copy).
     *
     * @param path the path
     * @param type the type
     * @param data the bytes
     * @return the asset
     */
    public Asset register(String path, AssetType type, byte[] data) {
        return register(path, AssetInfo.of(type), data);
    }

    /**
     * Registers the remaining bytes of {@code data} (position to limit; the position is not
     * moved). A direct buffer inside this instance is registered without copying (see the class
     * comment: a {@link Reservation}'s buffer is committed, any other is borrowed); any other
     * buffer is copied once.
     *
     * @param path the path
     * @param info type, tier (ignored for a buffer inside the instance: the asset is where it is),
     *     content type, source
     * @param data the bytes
     * @return the asset
     * @throws WallocOutOfMemoryException when a copy is needed and the tier has no room
     */
    public Asset register(String path, AssetInfo info, ByteBuffer data) {
        checkArgs(path, info);
        Objects.requireNonNull(data, "data is null");
        int n = data.remaining();
        if (data.isDirect()) {
            Asset a = registerInPlace(path, info, data);
            if (a != null) {
                return a;
            }
        } else if (data.hasArray()) {
            return register(path, info, data.array(), data.arrayOffset() + data.position(), n);
        }
        try (Reservation r = reserve(n, info.tier(), path)) {
            r.write(0, data.duplicate());
            return r.commit(path, info, n);
        }
    }

    /**
     * Adopts a block of this registry's instance without copying: its first {@code size} bytes
     * become the asset, and the registry closes the block on eviction. The caller must not close
     * it any more.
     *
     * @param path the path
     * @param info type, content type, source (the tier is the block's)
     * @param block a live block of {@link #walloc()}
     * @param size the asset's length, at most the block's size
     * @return the asset
     * @throws IllegalArgumentException when the block belongs to another instance, is not alive,
     *     or is smaller than size
     * @throws IllegalStateException when the registry is closed (the block stays the caller's)
     */
    public Asset register(String path, AssetInfo info, Block block, long size) {
        checkArgs(path, info);
        Objects.requireNonNull(block, "block is null");
        synchronized (lock) {
            checkOpen();
        }
        if (block.owner() != walloc) {
            throw new IllegalArgumentException("block " + block + " belongs to another Walloc instance");
        }
        if (!block.isAlive()) {
            throw new IllegalArgumentException("block " + block + " is closed or was released by a reset");
        }
        if (size < 0 || size > block.size()) {
            throw new IllegalArgumentException("size " + size + " is outside block " + block);
        }
        Asset a = new Asset(this, path, info.withTier(block.tier()), size, block.handle(), block.size(), block, Instant.now(),
                Duration.ZERO);
        return put(a, block, false);
    }

    /**
     * Takes a block of {@code size} bytes in {@code tier} for an asset to be written in place and
     * then {@linkplain Reservation#commit committed}. Applies the tier's budget like registration.
     *
     * @param size bytes
     * @param tier the tier
     * @return the reservation; close it (try-with-resources) so an uncommitted block is freed
     * @throws WallocOutOfMemoryException when the tier (or its budget) has no room
     * @throws IllegalStateException when the registry is closed
     */
    public Reservation reserve(long size, Tier tier) {
        return reserve(size, tier, "");
    }

    Reservation reserve(long size, Tier tier, String forPath) {
        Objects.requireNonNull(tier, "tier is null");
        Block b = reserveBlock(size, tier, forPath);
        Reservation r = new Reservation(this, tier, b, forPath);
        reservations.own(b, r);
        return r;
    }

    private static void checkArgs(String path, AssetInfo info) {
        Objects.requireNonNull(path, "path is null");
        Objects.requireNonNull(info, "info is null");
    }

    /* A direct buffer inside the instance (the core says where, Walloc.handleOf): commit the
     * reservation it is, or register it borrowed. Null when the buffer is not inside the instance. */
    private Asset registerInPlace(String path, AssetInfo info, ByteBuffer data) {
        long h = walloc.handleOf(data);
        if (h == Walloc.NULL) {
            return null;
        }
        int n = data.remaining();
        Reservation r = reservations.at(h);
        if (r != null) {
            return r.commit(path, info, n);
        }
        return commitBorrowed(path, info.withTier(walloc.tierOf(h)), n, h);
    }

    // ------------------------------------------------------------------ allocation and budgets

    /* Allocates a block for the registry in the tier, evicting LRU assets first under a budget.
     * Under a budget, when nothing is left to evict but loads in flight in the tier hold blocks
     * (reserved by other threads), it waits for one of them to register (its asset can then be
     * evicted) or give its block back, and tries again: so parallel loads that together overfill a
     * tier queue instead of failing. At most ROOM_WAIT in all, so that threads waiting for each
     * other's blocks fail as before rather than hang. */
    Block reserveBlock(long size, Tier tier, String forPath) {
        long deadline = System.nanoTime() + ROOM_WAIT.toNanos();
        for (;;) {
            long seen = reservations.changes();
            TierBudgets.Room room = reserveBlockOnce(size, tier, forPath);
            if (room.block() != null) {
                return room.block();
            }
            if (!room.worthWaiting() || !reservations.awaitChange(tier, seen, deadline)) {
                throw room.failure(tier, size);
            }
        }
    }

    private TierBudgets.Room reserveBlockOnce(long size, Tier tier, String forPath) {
        ReentrantLock tl = budgets.lock(tier);
        tl.lock();
        try {
            synchronized (lock) {
                checkOpen();
            }
            TierBudgets.Room room = budgets.take(size, tier, forPath);
            if (room.block() != null) {
                reservations.add(room.block()); // under the tier's lock: compaction sees it
            }
            return room;
        } finally {
            tl.unlock();
        }
    }

    /* Frees a block the registry took (pending or evicted). */
    void release(Block b) {
        reservations.remove(b);
        freeBlock(b);
    }

    void track(Reservation r, Block b) {
        reservations.own(b, r);
    }

    private boolean evictLeastRecent(Tier tier) {
        Asset victim;
        synchronized (lock) {
            victim = index.eldest(tier);
            if (victim == null) {
                return false;
            }
            index.remove(victim);
            evictions++;
        }
        freeAsset(victim);
        return true;
    }

    /**
     * The bytes a block of {@code size} bytes really takes in a tier (its size class, or 4 KiB
     * granules above the largest class), as the core counts it in {@link TierStats#liveBytes()}.
     *
     * @param size requested bytes
     * @param tier the tier
     * @return bytes
     * @throws IllegalStateException when the instance is closed
     */
    public long footprint(long size, Tier tier) {
        return walloc.footprint(size, tier);
    }

    /**
     * Sets a byte budget for a tier's live bytes (see the class comment). Takes effect at the next
     * allocation; call {@link #enforceBudget(Tier)} to evict at once.
     *
     * @param tier the tier
     * @param bytes the budget, 0 or more
     * @throws IllegalArgumentException for a negative budget
     */
    public void setBudget(Tier tier, long bytes) {
        Objects.requireNonNull(tier, "tier is null");
        if (bytes < 0) {
            throw new IllegalArgumentException("negative budget " + bytes + " for tier " + tier);
        }
        budgets.set(tier, bytes);
    }

    /**
     * Removes a tier's budget.
     *
     * @param tier the tier
     */
    public void clearBudget(Tier tier) {
        budgets.set(Objects.requireNonNull(tier, "tier is null"), -1);
    }

    /**
     * The tier's budget.
     *
     * @param tier the tier
     * @return bytes, or -1 when the tier has none
     */
    public long budget(Tier tier) {
        return budgets.get(Objects.requireNonNull(tier, "tier is null"));
    }

    /**
     * Evicts least recently used assets of the tier until its live bytes are within its budget
     * (or nothing of the registry's is left in it).
     *
     * @param tier the tier
     * @return how many assets were evicted
     */
    public int enforceBudget(Tier tier) {
        return budgets.enforce(Objects.requireNonNull(tier, "tier is null"));
    }

    // ------------------------------------------------------------------ commit (from Reservation, Block)

    Asset commit(String path, AssetInfo info, long size, Block b, Duration loadTime) {
        Asset a = new Asset(this, path, info, size, b.handle(), b.size(), b, Instant.now(), loadTime);
        return put(a, b, true);
    }

    private Asset commitBorrowed(String path, AssetInfo info, long size, long handle) {
        Asset a = new Asset(this, path, info, size, handle, size, null, Instant.now(), Duration.ZERO);
        return put(a, null, false);
    }

    /* Registers a (owning b, when not null); when the registry is closed, frees b if it is the
     * registry's (a reservation's) and throws. */
    private Asset put(Asset a, Block b, boolean ours) {
        Asset old;
        boolean refused;
        synchronized (lock) {
            if (b != null) {
                reservations.remove(b); // in the same step as the registration: compact sees one or the other
            }
            refused = closed;
            if (refused) {
                old = null;
            } else {
                old = index.put(a);
            }
        }
        if (refused) {
            if (b != null && ours) {
                release(b);
            }
            throw new IllegalStateException("the registry is closed; '" + a.path() + "' was not registered");
        }
        if (old != null) {
            freeAsset(old);
        }
        return a;
    }

    private void freeAsset(Asset a) {
        Block b = a.block();
        if (b != null && a.markEvicted()) {
            freeBlock(b);
        }
    }

    void freeBlock(Block b) {
        if (b != null) {
            try {
                b.close();
            } catch (IllegalStateException | InvalidHandleException e) {
                // instance closed or block already forgotten by a reset: nothing to free
            }
        }
    }

    // ------------------------------------------------------------------ lookup

    /**
     * The asset registered under {@code path}; counts as a use for LRU eviction.
     *
     * @param path the path
     * @return the asset, or null when none is registered
     */
    public Asset get(String path) {
        Objects.requireNonNull(path, "path is null");
        synchronized (lock) {
            return index.use(path);
        }
    }

    /**
     * The asset registered under {@code path}, without counting a use.
     *
     * @param path the path
     * @return the asset, or null
     */
    public Asset peek(String path) {
        Objects.requireNonNull(path, "path is null");
        synchronized (lock) {
            return index.peek(path);
        }
    }

    /**
     * Whether a path is registered.
     *
     * @param path the path
     * @return true when registered
     */
    public boolean contains(String path) {
        return peek(path) != null;
    }

    boolean isCurrent(Asset a) {
        synchronized (lock) {
            return index.peek(a.path()) == a;
        }
    }

    /**
     * The assets of a tier, least recently used first.
     *
     * @param tier the tier
     * @return a snapshot
     */
    public List<Asset> list(Tier tier) {
        Objects.requireNonNull(tier, "tier is null");
        synchronized (lock) {
            return index.list(tier);
        }
    }

    /**
     * Every registered asset, tier by tier, least recently used first within a tier.
     *
     * @return a snapshot
     */
    public List<Asset> list() {
        synchronized (lock) {
            return index.all();
        }
    }

    /**
     * The number of registered assets.
     *
     * @return the count
     */
    public int size() {
        synchronized (lock) {
            return index.size();
        }
    }

    /**
     * The number of registered assets in a tier.
     *
     * @param tier the tier
     * @return the count
     */
    public int count(Tier tier) {
        synchronized (lock) {
            return index.count(tier);
        }
    }

    /**
     * The sum of the sizes of the tier's registered assets.
     *
     * @param tier the tier
     * @return bytes
     */
    public long totalBytes(Tier tier) {
        Objects.requireNonNull(tier, "tier is null");
        synchronized (lock) {
            return index.total(tier);
        }
    }

    /**
     * The number of assets evicted to meet budgets since the registry was made.
     *
     * @return the count
     */
    public long budgetEvictions() {
        synchronized (lock) {
            return evictions;
        }
    }

    // ------------------------------------------------------------------ eviction

    /**
     * Unregisters a path and frees its block (for an owned asset).
     *
     * @param path the path
     * @return true when something was registered under it
     */
    public boolean evict(String path) {
        Objects.requireNonNull(path, "path is null");
        Asset a;
        synchronized (lock) {
            a = index.peek(path);
            if (a == null) {
                return false;
            }
            index.remove(a);
        }
        freeAsset(a);
        return true;
    }

    /**
     * Evicts several paths; paths not registered are skipped.
     *
     * @param paths the paths
     * @return how many were evicted
     */
    public int evictBatch(Collection<String> paths) {
        Objects.requireNonNull(paths, "paths is null");
        List<Asset> gone = new ArrayList<>();
        synchronized (lock) {
            for (String p : paths) {
                Asset a = p == null ? null : index.peek(p);
                if (a != null) {
                    index.remove(a);
                    gone.add(a);
                }
            }
        }
        for (Asset a : gone) {
            freeAsset(a);
        }
        return gone.size();
    }

    /**
     * Evicts every asset of a tier.
     *
     * @param tier the tier
     * @return how many were evicted
     */
    public int evictTier(Tier tier) {
        return evictBatch(new ArrayList<>(list(tier).stream().map(Asset::path).toList()));
    }

    /**
     * Moves the tier's bump head back to just above the highest block the registry still holds
     * (registered or reserved), counting each block's {@linkplain #footprint footprint}, with
     * {@link Walloc#fastCompactTier}: evicted space above it becomes allocatable again without a
     * reset. Blocks below stay where they are. Use only on a tier this registry is the only user
     * of: blocks of others above the registry's highest one would be released, and so would the
     * rest of a block a borrowed asset lies in (its bytes are kept, not the block's tail). Assets
     * whose blocks were released already (by a reset or compaction made directly on the
     * {@link Walloc}) are unregistered first, without freeing anything, and counted in the result;
     * so are their reservations left out of the computation.
     *
     * @param tier the tier
     * @return the number of assets lost (0 unless the tier was reset or compacted behind the
     *     registry's back)
     */
    public int compact(Tier tier) {
        Objects.requireNonNull(tier, "tier is null");
        ReentrantLock tl = budgets.lock(tier);
        tl.lock();
        try {
            synchronized (lock) {
                checkOpen();
            }
            // Blocks a reset or compaction of the user's already released are no longer the
            // registry's: they must not hold the head up, and their assets are lost.
            int lost = dropLost(tier);
            long start = walloc.tierStart(tier);
            long maxEnd = start;
            synchronized (lock) {
                for (Asset a : index.list(tier)) {
                    long end = a.owned() ? a.handle() + footprint(a.blockSize(), tier) : a.handle() + a.size();
                    maxEnd = Math.max(maxEnd, end);
                }
                for (Block b : reservations.blocks(tier)) {
                    if (b.isAlive()) {
                        maxEnd = Math.max(maxEnd, b.handle() + footprint(b.size(), tier));
                    }
                }
            }
            walloc.fastCompactTier(tier, maxEnd - start);
            return lost + dropLost(tier); // none: keep covers every footprint
        } finally {
            tl.unlock();
        }
    }

    /* Unregisters the owned assets of tier t whose blocks are no longer alive; their count. */
    private int dropLost(Tier tier) {
        int n = 0;
        synchronized (lock) {
            for (Asset a : index.list(tier)) {
                if (a.owned() && !a.block().isAlive()) {
                    index.remove(a);
                    a.markEvicted(); // nothing to free: the block is no longer its own
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Evicts every asset of the tier and resets it ({@link Walloc#resetTier}), forgetting every
     * block in it, the registry's and anyone else's. Fails when the registry still has open
     * reservations in the tier (a load in flight).
     *
     * @param tier the tier
     * @return how many assets were evicted
     * @throws IllegalStateException when a reservation of the tier is open, or the registry is
     *     closed (then the tier is not reset: it is no longer the registry's to manage)
     */
    public int clear(Tier tier) {
        Objects.requireNonNull(tier, "tier is null");
        ReentrantLock tl = budgets.lock(tier);
        tl.lock();
        try {
            synchronized (lock) {
                checkOpen();
                if (reservations.count(tier) > 0) {
                    throw new IllegalStateException("tier " + tier + " has a reservation open (a load in flight); "
                            + "cancel it before clearing the tier");
                }
            }
            int n = evictTier(tier);
            walloc.resetTier(tier);
            return n;
        } finally {
            tl.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the asset registry is closed");
        }
    }

    /**
     * Evicts every asset (freeing owned blocks) and refuses further registrations (see the class
     * comment for what a closed registry still answers). Open reservations stay their owners' to
     * close. Idempotent.
     */
    @Override
    public void close() {
        List<Asset> all;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            reservations.stopWaits(); // reservations waiting for room give up
            all = index.clear();
        }
        if (!walloc.isClosed()) {
            for (Asset a : all) {
                freeAsset(a);
            }
        }
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "AssetRegistry[" + index.size() + " assets, TOP " + index.total(Tier.TOP) + " B, MIDDLE "
                    + index.total(Tier.MIDDLE) + " B, BOTTOM " + index.total(Tier.BOTTOM) + " B]";
        }
    }

}
