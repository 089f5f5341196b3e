package io.walloc.assets;

import io.walloc.Block;
import io.walloc.Tier;
import io.walloc.Walloc;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A registered asset: its metadata (path, type, tier, size, handle, content type, source, when
 * it was registered and how long loading took) and checked access to its bytes, which live in a
 * block of the registry's {@link Walloc}.
 *
 * <p>An asset is <em>owned</em> when the registry frees its block on eviction (everything it
 * allocated, and {@link Block}s handed to it), or <em>borrowed</em> when it was registered from a
 * direct buffer that already lay inside the instance: then the caller keeps the block and the
 * registry only records where the bytes are.
 *
 * <p>Thread safety: the metadata is immutable. Reads may run on any thread. A read pins the asset:
 * an eviction (or replacement) that comes meanwhile unregisters it at once but frees its block only
 * when the read is done, so a read either sees the asset's bytes or throws
 * {@link IllegalStateException} because it was no longer registered when the read began.
 * Buffers from {@link #asByteBuffer()} are raw memory and are not checked after eviction.
 */
public final class Asset {
    private static final byte[] NO_BYTES = {};

    private final AssetRegistry registry;
    private final String path;
    private final AssetInfo info;
    private final long size;
    private final long handle;
    private final long blockSize;
    private final Block block;
    private final Instant registeredAt;
    private final Duration loadTime;

    Asset(AssetRegistry registry, String path, AssetInfo info, long size, long handle, long blockSize, Block block,
            Instant registeredAt, Duration loadTime) {
        this.registry = registry;
        this.path = path;
        this.info = info;
        this.size = size;
        this.handle = handle;
        this.blockSize = blockSize;
        this.block = block;
        this.registeredAt = registeredAt;
        this.loadTime = loadTime;
    }

    /** @return the path the asset is registered under */
    public String path() {
        return path;
    }

    /** @return the type */
    public AssetType type() {
        return info.type();
    }

    /** @return the tier its bytes live in */
    public Tier tier() {
        return info.tier();
    }

    /** @return the content type (the server's, else the type's default) */
    public String contentType() {
        return info.contentType();
    }

    /** @return where the bytes came from (the URL for loaded assets), or null */
    public URI source() {
        return info.source();
    }

    /** @return what the caller said when registering */
    public AssetInfo info() {
        return info;
    }

    /** @return the asset's length in bytes */
    public long size() {
        return size;
    }

    /** @return the handle of its first byte, for {@link Walloc}'s handle-based methods */
    public long handle() {
        return handle;
    }

    /**
     * The size of the block holding the asset (at least {@link #size()}; larger when a body of
     * unknown length was loaded into a block that was not shrunk).
     *
     * @return bytes
     */
    public long blockSize() {
        return blockSize;
    }

    /** @return true when the registry frees the block on eviction; false for a borrowed buffer */
    public boolean owned() {
        return block != null;
    }

    /** @return when it was registered */
    public Instant registeredAt() {
        return registeredAt;
    }

    /** @return how long loading took (request to last byte), or {@link Duration#ZERO} when registered directly */
    public Duration loadTime() {
        return loadTime;
    }

    /** @return the registry that holds it */
    public AssetRegistry registry() {
        return registry;
    }

    Block block() {
        return block;
    }

    /**
     * Whether this asset is still the one registered under its path (not evicted or replaced).
     *
     * @return true while registered
     */
    public boolean isRegistered() {
        return registry.isCurrent(this);
    }

    /**
     * Copies bytes of the asset into an array.
     *
     * @param offset first byte of the asset
     * @param dst destination
     * @param dstOffset first byte of dst
     * @param length bytes to copy
     * @throws IndexOutOfBoundsException when the range is outside the asset or dst
     * @throws IllegalStateException when the asset was evicted or replaced, or the instance closed
     * @throws io.walloc.InvalidHandleException when a reset or compaction of its tier released the
     *     block (one the registry did not make: it stays registered until evicted)
     */
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        Objects.requireNonNull(dst, "dst is null");
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + " + " + length
                    + ") is outside asset '" + path + "' of " + size + " bytes");
        }
        pin();
        try {
            if (block != null) {
                block.read(offset, dst, dstOffset, length);
            } else {
                registry.walloc().readData(handle + offset, dst, dstOffset, length);
            }
        } finally {
            unpin();
        }
    }

    /* Readers pin the asset: an eviction meanwhile unregisters it at once but frees the block only
     * when the last reader is out, so a read never sees a block that was handed to someone else. */
    private int pins;
    private boolean evicted;
    private boolean freed;

    private void pin() {
        synchronized (this) {
            if (!evicted && registry.isCurrent(this)) {
                pins++;
                return;
            }
        }
        throw new IllegalStateException("asset '" + path + "' is no longer registered (evicted or replaced)");
    }

    private void unpin() {
        boolean free;
        synchronized (this) {
            pins--;
            free = evicted && pins == 0 && !freed;
            if (free) {
                freed = true;
            }
        }
        if (free) {
            registry.freeBlock(block);
        }
    }

    /* Called by the registry once the asset is unregistered: true when the caller must free the
     * block now (no reader inside). */
    synchronized boolean markEvicted() {
        evicted = true;
        if (pins > 0 || freed) {
            return false;
        }
        freed = true;
        return true;
    }

    /**
     * Copies the whole asset into a new array.
     *
     * @return the bytes
     * @throws UnsupportedOperationException when the asset is larger than an array can be
     * @throws IllegalStateException when the asset was evicted or replaced, or the instance closed
     *     (checked, like the block, before the array is made)
     * @throws io.walloc.InvalidHandleException when a reset or compaction of its tier released the block
     */
    public byte[] readAll() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException("asset '" + path + "' of " + size + " bytes does not fit an array");
        }
        read(0, NO_BYTES, 0, 0); // a read of nothing checks the asset and its block before the array is made
        byte[] b = new byte[(int) size];
        read(0, b, 0, b.length);
        return b;
    }

    /**
     * A direct buffer over the asset's bytes (position 0, limit {@link #size()}, native order).
     * Raw memory: valid while the asset is registered (see the class comment).
     *
     * @return the view
     * @throws IllegalStateException when the asset was evicted or replaced, or the instance closed
     * @throws io.walloc.InvalidHandleException when a reset or compaction of its tier released the block
     */
    public ByteBuffer asByteBuffer() {
        checkRegistered();
        if (size > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("asset '" + path + "' of " + size + " bytes is larger than a ByteBuffer");
        }
        ByteBuffer b = block != null ? block.asByteBuffer() : registry.walloc().view(handle, (int) size);
        return b.limit((int) size).slice().order(ByteOrder.nativeOrder());
    }

    private void checkRegistered() {
        if (!registry.isCurrent(this)) {
            throw new IllegalStateException("asset '" + path + "' is no longer registered (evicted or replaced)");
        }
    }

    @Override
    public String toString() {
        return "Asset[" + path + ", " + info.type() + ", " + size + " bytes in " + info.tier() + " at "
                + (handle == Walloc.NULL ? "NULL" : "0x" + Long.toHexString(handle)) + (block == null ? ", borrowed" : "")
                + "]";
    }
}
