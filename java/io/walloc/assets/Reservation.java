package io.walloc.assets;

import io.walloc.Block;
import io.walloc.Tier;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;

/**
 * A block taken by an {@link AssetRegistry} for an asset that is not registered yet: fill
 * {@link #buffer()} (or write with {@link io.walloc.Walloc#writeData}) and {@link #commit} it,
 * which registers the bytes where they are, without copying; or {@link #close()} it, which
 * frees the block. The {@link AssetLoader} streams HTTP bodies into reservations.
 *
 * <pre>{@code
 * try (Reservation r = registry.reserve(pixels.length, Tier.TOP)) {
 *     decoder.decodeInto(r.buffer());                 // bytes land in the tier directly
 *     Asset a = r.commit("tex/wall.png", AssetInfo.of(AssetType.IMAGE), pixels.length);
 * }                                                   // close after commit does nothing
 * }</pre>
 *
 * <p>After close (or commit), {@link #tier()}, {@link #isOpen()} (false), {@link #toString()} and
 * {@link #close()} (again: nothing) keep answering; every other method throws
 * {@link IllegalStateException}.
 *
 * <p>Thread safety: all methods are synchronized; {@link #close()} may come from another thread
 * (a cancellation) and frees the block exactly once, never while another method of this
 * reservation is running.
 */
public final class Reservation implements AutoCloseable {
    private static final byte[] NO_BYTES = {};

    private final AssetRegistry registry;
    private final Tier tier;
    private final String forPath; // the asset's path when the registry knows it (a load), else ""
    private Block block;
    private boolean done;

    Reservation(AssetRegistry registry, Tier tier, Block block, String forPath) {
        this.registry = registry;
        this.tier = tier;
        this.block = block;
        this.forPath = forPath;
    }

    /** @return the tier of the block */
    public Tier tier() {
        return tier;
    }

    /**
     * The size of the block now (it may change through growth while loading).
     *
     * @return bytes
     * @throws IllegalStateException after commit or close
     */
    public synchronized long capacity() {
        return live().size();
    }

    /**
     * The block's handle now.
     *
     * @return the handle
     * @throws IllegalStateException after commit or close
     */
    public synchronized long handle() {
        return live().handle();
    }

    /**
     * A direct buffer over the whole block (native order). Raw memory: do not use it after
     * {@link #close()} or growth.
     *
     * @return the view
     * @throws IllegalStateException after commit or close
     */
    public synchronized ByteBuffer buffer() {
        return live().asByteBuffer();
    }

    /**
     * Whether the reservation is still open (neither committed nor closed).
     *
     * @return true while open
     */
    public synchronized boolean isOpen() {
        return !done;
    }

    /**
     * Registers the first {@code size} bytes of the block under {@code path}, without copying.
     * The registry now owns the block. {@code info.tier()} is ignored: the asset is where the
     * block is.
     *
     * @param path the path
     * @param info type, content type, source
     * @param size the asset's length, at most {@link #capacity()}
     * @return the registered asset
     * @throws IllegalStateException after commit or close, or when the registry or the instance is
     *     closed (the reservation is closed then, and its block freed if it still was its own)
     * @throws io.walloc.InvalidHandleException when a reset or compaction of the tier released the
     *     block (the reservation is closed then; nothing is registered or freed)
     * @throws IllegalArgumentException for a size outside [0, capacity]
     */
    public Asset commit(String path, AssetInfo info, long size) {
        return commit(path, info, size, Duration.ZERO);
    }

    synchronized Asset commit(String path, AssetInfo info, long size, Duration loadTime) {
        Objects.requireNonNull(path, "path is null");
        Objects.requireNonNull(info, "info is null");
        Block b = live();
        if (size < 0 || size > b.size()) {
            throw new IllegalArgumentException("size " + size + " is outside the reservation's [0, " + b.size() + "] bytes");
        }
        try {
            b.read(0, NO_BYTES, 0, 0); // still the reservation's: not released by a reset, compaction or close
        } catch (RuntimeException released) {
            close(); // frees nothing: the memory is no longer the block's
            throw released;
        }
        done = true;
        block = null;
        return registry.commit(path, info.tier() == tier ? info : info.withTier(tier), size, b, loadTime);
    }

    /**
     * Replaces the block by one of {@code newSize} bytes holding the first {@code keep} bytes of
     * the old one (copied inside the instance), then frees the old one. Used by the loader to
     * grow or shrink bodies of unknown length.
     */
    synchronized void resize(long newSize, long keep) {
        Block old = live();
        Block b = registry.reserveBlock(newSize, tier, forPath);
        try {
            b.copyFrom(0, old, 0, keep); // checks that old is still ours in the same step as the copy
        } catch (RuntimeException e) {
            registry.release(b);
            throw e;
        }
        block = b;
        registry.track(this, b);
        registry.release(old);
    }

    /** Writes src (all remaining bytes) at offset of the block, or nowhere when a reset,
     *  compaction or close released it (Block.copyFrom throws then). */
    synchronized void write(long offset, ByteBuffer src) {
        live().copyFrom(offset, src);
    }

    private Block live() {
        if (done || block == null) {
            throw new IllegalStateException("the reservation was committed or closed");
        }
        return block;
    }

    /** Frees the block unless it was committed. Idempotent. */
    @Override
    public synchronized void close() {
        if (done) {
            return;
        }
        done = true;
        Block b = block;
        block = null;
        if (b != null) {
            registry.release(b);
        }
    }

    @Override
    public synchronized String toString() {
        return "Reservation[" + tier + ", " + (done ? "done" : block) + "]";
    }
}
