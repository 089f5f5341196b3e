package io.walloc;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Access to an instance's memory by handle, behind {@link Walloc}'s methods of the same
 * concept: reads, writes, fill, copies, bulk copies, direct views, a buffer's handle, and the
 * segments of {@code Segments} (JDK 22+). Every range is checked by the core
 * ({@code walloc_check_range}, or the call itself); a status becomes an exception through
 * {@link Errors}.
 *
 * <p>Thread safety: as {@link Walloc}'s. A call that is one native call is guarded by the native
 * gate and keeps the Walloc reachable until it returns (its Cleaner frees {@code w}); the others
 * enter the Java gate.
 */
final class Access {
    private final Walloc owner; // kept reachable during native calls: its Cleaner frees w
    private final long w;
    private final Gate gate;
    private final Region region;
    private final SegmentScopes segments;

    Access(Walloc owner, long w, Gate gate, Region region, SegmentScopes segments) {
        this.owner = owner;
        this.w = w;
        this.gate = gate;
        this.region = region;
        this.segments = segments;
    }

    long handleOf(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer is null");
        int g = gate.enter(); // first: after close, any buffer is refused
        try {
            long address = buffer.isDirect() ? WallocNative.address(buffer) : 0;
            if (address == 0) {
                return Walloc.NULL;
            }
            long handle = address - region.address(0) + buffer.position();
            return WallocNative.checkRange(w, handle, buffer.remaining()) == 0 ? handle : Walloc.NULL;
        } finally {
            gate.exit(g);
        }
    }

    void fill(long handle, byte value, long length) {
        int st = WallocNative.fill(w, handle, value, length);
        Reference.reachabilityFence(owner); // w lives as long as the Walloc (NativeSide)
        if (st != 0) {
            throw Errors.error(st, "fill of " + length + (length < 0 ? " (negative)" : "") + " bytes at " + Errors.hex(handle), handle,
                    null, length);
        }
    }

    void write(long handle, byte[] src, int offset, int length) {
        Objects.requireNonNull(src, "src is null");
        Objects.checkFromIndexSize(offset, length, src.length);
        int st = WallocNative.write(w, handle, src, offset, length);
        Reference.reachabilityFence(owner); // w lives as long as the Walloc (NativeSide)
        if (st != 0) {
            throw Errors.error(st, "writeData of " + length + " bytes at " + Errors.hex(handle), handle, null, length);
        }
    }

    byte[] read(long handle, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length + " reading at " + Errors.hex(handle));
        }
        checkReadable(handle, length); // before the array: a length past the range must not cost the heap
        byte[] b = new byte[length];
        read(handle, b, 0, length);
        return b;
    }

    static final byte[] NO_BYTES = {};

    /* Throws what readData of [handle, handle + length) would throw for the range, if anything. */
    void checkReadable(long handle, int length) {
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
            throw Errors.error(st != 0 ? st : Status.OUT_OF_BOUNDS.code(), "readData of " + length + " bytes at " + Errors.hex(handle),
                    handle, null, length);
        }
    }

    void read(long handle, byte[] dst, int offset, int length) {
        Objects.requireNonNull(dst, "dst is null");
        Objects.checkFromIndexSize(offset, length, dst.length);
        int st = WallocNative.read(w, handle, dst, offset, length);
        Reference.reachabilityFence(owner); // w lives as long as the Walloc (NativeSide)
        if (st != 0) {
            throw Errors.error(st, "readData of " + length + " bytes at " + Errors.hex(handle), handle, null, length);
        }
    }

    void copy(long dst, long src, long length) {
        int st = WallocNative.copy(w, dst, src, length);
        Reference.reachabilityFence(owner); // w lives as long as the Walloc (NativeSide)
        if (st != 0) {
            throw Errors.error(st, "copy of " + length + (length < 0 ? " (negative)" : "") + " bytes from " + Errors.hex(src) + " to "
                    + Errors.hex(dst), dst, null, length);
        }
    }

    void bulkCopy(long[] ops) {
        Objects.requireNonNull(ops, "ops is null");
        if (ops.length % 3 != 0) {
            throw new IllegalArgumentException("ops must hold (dst, src, length) triples; length " + ops.length
                    + " is not a multiple of 3");
        }
        int n = ops.length / 3;
        long r = WallocNative.bulkCopy(w, ops, n);
        Reference.reachabilityFence(owner); // w lives as long as the Walloc (NativeSide)
        if (r != 0) {
            int st = (int) (r & 0xFF);
            if (st == WallocNative.CLOSED) {
                throw gate.closed();
            }
            int i = (int) (r >>> 8);
            String what = "bulkCopy entry " + i + " (" + ops[3 * i + 2] + " bytes from " + Errors.hex(ops[3 * i + 1]) + " to "
                    + Errors.hex(ops[3 * i]) + "), nothing was copied";
            Status s = st >= 0 && st <= 10 ? Status.ofCode(st) : Status.INVALID_ARGUMENT;
            throw new BulkCopyException(s, i, what + ": " + s.description());
        }
    }

    void bulkCopy(long[] dst, long[] src, long[] lengths) {
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

    ByteBuffer view(long handle, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length + " for a view at " + Errors.hex(handle));
        }
        int g = gate.enter();
        ByteBuffer b;
        try {
            b = WallocNative.checkRange(w, handle, length) == 0 ? region.slice(handle, length) : null;
        } finally {
            gate.exit(g);
        }
        if (b == null) {
            throw new WallocBoundsException("no view of " + length + " bytes at " + Errors.hex(handle)
                    + ": the range is not inside what one tier has handed out");
        }
        return b.order(ByteOrder.nativeOrder());
    }

    /** What {@code Segments} (JDK 22+) makes a segment from: the block at handle, its address
     *  and size, and where its footprint ends. */
    interface SegmentMaker<T> {
        T make(SegmentScopes scopes, long address, long handle, long size, long end);
    }

    /* Segments.of(w, handle, size): inside the gate, after the core checked the range. */
    <T> T segment(long handle, long size, SegmentMaker<T> maker) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for a segment at " + Errors.hex(handle));
        }
        int g = gate.enter();
        try {
            int r = WallocNative.tierOf(w, handle);
            if (r < 0 || WallocNative.checkRange(w, handle, size) != 0) {
                throw new WallocBoundsException("no segment of " + size + " bytes at " + Errors.hex(handle)
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
}
