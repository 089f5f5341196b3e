package io.walloc;

import java.lang.foreign.MemorySegment;

/**
 * {@link MemorySegment} views of a {@link Walloc}'s blocks (JDK 22 and later; the class is in the
 * jar's {@code META-INF/versions/22}).
 *
 * <p>A segment is bounded to its block and lives exactly as long as the block: once the block is
 * freed ({@link Block#close()}, {@link Walloc#free}, or the Cleaner of
 * {@link WallocConfig#freeUnclosedBlocks()}), released by a {@linkplain Walloc#resetTier reset} or
 * a {@linkplain Walloc#fastCompactTier compaction} that did not keep it, or its instance closed,
 * every access through the segment, and its slices, throws {@link IllegalStateException}: none can
 * read or write memory that may belong to another block by then, from any thread, and none
 * crashes the JVM. The JVM enforces this (each block's segments belong to a shared
 * {@link java.lang.foreign.Arena} that Walloc closes), so accesses in compiled code carry no check
 * of their own; a block's first segment costs the making of that arena, and ending a block that
 * has segments costs a handshake with the JVM's threads (bench/java/RESULTS.md).
 *
 * <p>Segments reach blocks of any size, over 2 GiB included, which {@link java.nio.ByteBuffer}s
 * cannot. Byte order is the segment's: pass a {@link java.lang.foreign.ValueLayout} with the order
 * wanted ({@code ValueLayout.JAVA_INT} is native order).
 */
public final class Segments {
    private Segments() {
    }

    /**
     * A segment over the whole block.
     *
     * @param block the block
     * @return a segment of {@link Block#size()} bytes at the block's address
     * @throws InvalidHandleException when the block is closed or was released by a reset/compaction
     * @throws IllegalStateException when its owner is closed
     * @throws NullPointerException for a null block
     */
    public static MemorySegment of(Block block) {
        Object key = block.segmentKey(); // before the liveness check, which a close would fail: see freed
        return block.owner().segment(block, (scopes, address, handle, size, end) ->
                scopes.segment(address, handle, size, end, key, () -> block.checkAlive("segment")));
    }

    /**
     * A segment over {@code [handle, handle + size)} of a raw handle's block: {@code handle} and
     * {@code size} as allocated (or a range inside what one tier handed out). It lives until that
     * handle is freed with {@link Walloc#free}, a reset releases its tier, a compaction does not
     * keep {@code [handle, handle + footprint(size))}, or the instance closes.
     *
     * @param w the instance
     * @param handle first byte
     * @param size bytes, 0 or more
     * @return the segment
     * @throws IndexOutOfBoundsException when the range is not inside what one tier handed out
     * @throws IllegalArgumentException for a negative size
     * @throws IllegalStateException after {@link Walloc#close()}
     * @throws NullPointerException for a null instance
     */
    public static MemorySegment of(Walloc w, long handle, long size) {
        return w.segment(handle, size, (scopes, address, h, n, end) ->
                scopes.segment(address, h, n, end, SegmentScopes.RAW, () -> { }));
    }
}
