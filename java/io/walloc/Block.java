package io.walloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * One block of a {@link Walloc}, as an object for application code: its handle, size and tier,
 * an idempotent {@link #close()} that frees it once, checked reads and writes, and a direct
 * {@link ByteBuffer} view. Made by {@link Walloc#allocateBlock}.
 *
 * <p>Reads and writes through the block's own methods check, in Java, that the block is still
 * open and alive: after {@link #close()}, after its tier was reset, or after a compaction
 * released it, they throw {@link InvalidHandleException} instead of touching memory that may
 * belong to another block by now. A compaction releases every block whose <em>footprint</em>
 * ({@link Walloc#footprint}: its size class, not the size asked for) does not end at or below
 * the compaction's {@code keep}. A block that a reset or compaction released is not freed again
 * by {@code close()} (its memory was already forgotten). The check of {@link #write(long, byte[],
 * int, int)} and {@link #read(long, byte[], int, int)} sees every close, reset and compaction that
 * happened before the call (in the sense of the Java memory model: the same thread, or one the
 * caller synchronised with); one that <em>races</em> them on another thread may still let them
 * reach the block's old memory, as a view would. That is a bug in the application, but a harmless
 * one for the process: it stays inside the instance's memory and never crashes the JVM. Code that
 * must write while other threads may reset or compact the tier (a loader streaming a body, say)
 * uses the {@code copyFrom} methods: they check and copy in one step
 * that resets, compactions and closes wait for, so their bytes land in the block or nowhere.
 *
 * <p>Once its owner is closed, a block answers {@link #handle()}, {@link #size()},
 * {@link #tier()}, {@link #owner()} and {@link #toString()} as before, {@link #isAlive()} with
 * false, and {@link #close()} does nothing; every other method (reads, writes, copies, the
 * view) throws {@link IllegalStateException}.
 *
 * <p>Thread safety: all methods may be called from several threads; {@code close()} frees exactly
 * once however many threads call it. Reads and writes racing each other on overlapping bytes see
 * unspecified data (it is plain memory). A {@code ByteBuffer} from {@link #asByteBuffer()} is not
 * checked: after the block was closed or its tier reset it reaches whatever now lives there;
 * after the instance was closed it reads zeros (on Windows: unspecified bytes). It never crashes the JVM: the memory stays mapped
 * while any view over it is reachable.
 */
public final class Block implements AutoCloseable {
    private static final VarHandle SEGMENT_KEY;
    private static final byte[] NO_BYTES = {};

    /* The epoch of a closed block: no tier's, and ended. */
    private static final TierHistory.Epoch CLOSED = TierHistory.Epoch.CLOSED;

    static {
        try {
            SEGMENT_KEY = MethodHandles.lookup().findVarHandle(Block.class, "segmentKey", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Walloc owner;
    private final TierHistory history; // the owner's: every question of this block's life
    private final long handle;
    private final long size;
    private final Tier tier;
    volatile TierHistory.Epoch life; // the tier's epoch it is known alive in, or CLOSED: TierHistory's alone
    private volatile ByteBuffer view; // cached view over the block (idempotent initialisation; volatile: a
                                      // buffer's address field is not final, so publish it safely)
    private final UnclosedBlock unclosed; // the Cleaner's action, or null (WallocConfig.freeUnclosedBlocks)
    private volatile Object segmentKey; // whose segments are this block's (JDK 22+ Segments), made at the first segment

    Block(Walloc owner, TierHistory history, long handle, long size, Tier tier, TierHistory.Epoch life) {
        this.owner = owner;
        this.history = history;
        this.handle = handle;
        this.size = size;
        this.tier = tier;
        this.life = life;
        this.unclosed = owner.watchUnclosed(this, life.number());
    }

    /**
     * The block's raw handle, for the handle-based methods of {@link Walloc}.
     *
     * @return the handle
     */
    public long handle() {
        return handle;
    }

    /**
     * The size the block was allocated with.
     *
     * @return bytes
     */
    public long size() {
        return size;
    }

    /**
     * The block's tier.
     *
     * @return the tier
     */
    public Tier tier() {
        return tier;
    }

    /**
     * The instance this block belongs to.
     *
     * @return the owner
     */
    public Walloc owner() {
        return owner;
    }

    /**
     * Whether reads and writes would succeed now: not closed, the owner open, and no reset or
     * compaction of the tier has released the block.
     *
     * @return true when usable
     */
    public boolean isAlive() {
        TierHistory.Epoch e = life;
        if (e == CLOSED || owner.isClosed()) {
            return false;
        }
        Gate gate = owner.gate();
        int g;
        try {
            g = gate.enter();
        } catch (IllegalStateException closedMeanwhile) {
            return false;
        }
        try {
            return history.blockAlive(this, e.number());
        } finally {
            gate.exit(g);
        }
    }

    /** The key of this block's segments (JDK 22+ {@code Segments}), made at the first call. */
    Object segmentKey() {
        Object k = segmentKey;
        if (k == null) {
            SEGMENT_KEY.compareAndSet(this, null, new Object());
            k = segmentKey;
        }
        return k;
    }

    /* The key, or null when the block never had a segment. */
    Object segmentKeyIfAny() {
        return segmentKey;
    }

    void checkAlive(String what) {
        TierHistory.Epoch e = life;
        if (e == CLOSED) {
            throw new InvalidHandleException(Status.DOUBLE_FREE, handle, what + ": block " + Errors.hex(handle)
                    + " (" + tier + ", " + size + " bytes) is closed");
        }
        if (!history.blockAlive(this, e.number())) {
            if (history.isClosing()) { // a close racing this call ended the epoch, not a reset
                throw owner.gate().closed();
            }
            throw new InvalidHandleException(Status.NOT_A_BLOCK, handle, what + ": block " + Errors.hex(handle) + " ("
                    + tier + ", " + size + " bytes) was released by a reset or compaction of its tier");
        }
    }

    /* The fast path's check, without the gate: not closed (CLOSED has ended), and no reset,
     * compaction or close of the owner since the block's epoch. A cached view is
     * only ever made under the gate while the owner is open, and it keeps the region mapped
     * (Region), so a copy through it cannot crash even when a close or reset races it; anything
     * else takes the gated path. */
    private boolean current() {
        return !life.ended();
    }

    private void checkRange(String what, long offset, long length) {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new IndexOutOfBoundsException(what + ": range [" + offset + ", " + offset + " + " + length
                    + ") is outside block " + Errors.hex(handle) + " of " + size + " bytes");
        }
    }

    private ByteBuffer cachedView() {
        ByteBuffer v = view;
        if (v == null) {
            v = owner.blockView(handle, (int) size);
            view = v; // a racing thread may make its own: both are equal
        }
        return v;
    }

    /**
     * Copies {@code src[srcOffset, srcOffset + length)} into the block at {@code offset}.
     *
     * @param offset where in the block
     * @param src the bytes
     * @param srcOffset first byte of src
     * @param length bytes to copy
     * @throws IndexOutOfBoundsException when the range does not fit the block or src
     * @throws InvalidHandleException when the block is closed or was released by a reset/compaction
     * @throws NullPointerException for a null array
     * @throws IllegalStateException when the owner is closed
     */
    public void write(long offset, byte[] src, int srcOffset, int length) {
        ByteBuffer v = view;
        if (v != null && (int) offset == offset && current()) {
            try {
                // The view's own checks are the block's range (its limit is the block's size)
                // and src's: no second set here, and the life check is one flag (what each
                // costs: bench/java/RESULTS.md, "Design measurements").
                v.put((int) offset, src, srcOffset, length);
                return;
            } catch (IndexOutOfBoundsException | NullPointerException e) {
                // the checked path below says what was wrong, in the block's terms
            }
        }
        writeChecked(offset, src, srcOffset, length);
    }

    /* write's every other case, out of line so that the fast path above stays small enough for
     * the JIT to inline into its caller. */
    private void writeChecked(long offset, byte[] src, int srcOffset, int length) {
        Objects.requireNonNull(src, "src is null");
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        checkRange("write", offset, length);
        Gate gate = owner.gate();
        int g = gate.enter();
        try {
            checkAlive("write");
            if (size <= Integer.MAX_VALUE) {
                cachedView().put((int) offset, src, srcOffset, length);
            } else {
                int st = WallocNative.write(owner.nativeInstance(), handle + offset, src, srcOffset, length);
                if (st != 0) {
                    throw Errors.error(st, "write to block " + Errors.hex(handle), handle, tier, length);
                }
            }
        } finally {
            gate.exit(g);
        }
    }

    /**
     * Copies all of {@code src} into the block at {@code offset}.
     *
     * @param offset where in the block
     * @param src the bytes
     * @throws IndexOutOfBoundsException when src does not fit the block there
     * @throws InvalidHandleException when the block is closed or was released by a reset/compaction
     * @throws NullPointerException for a null array
     * @throws IllegalStateException when the owner is closed
     */
    public void write(long offset, byte[] src) {
        Objects.requireNonNull(src, "src is null");
        write(offset, src, 0, src.length);
    }

    /**
     * Copies the remaining bytes of {@code src} into the block at {@code offset}, and moves
     * {@code src}'s position to its limit. The block's life is checked and the bytes are copied
     * in one step that {@link Walloc#resetTier}, {@link Walloc#fastCompactTier} and
     * {@link Walloc#close()} on other threads wait for: either they come first and this throws,
     * or the bytes are in the block before they start. Never a byte in memory the block no
     * longer owns, even when the reset races this call (unlike the {@code byte[]} overloads'
     * faster check; see the class comment).
     *
     * @param offset where in the block
     * @param src the bytes, heap or direct
     * @throws IndexOutOfBoundsException when src's remaining bytes do not fit the block there
     * @throws InvalidHandleException when the block is closed or was released by a reset/compaction
     * @throws NullPointerException for a null buffer
     * @throws IllegalStateException when the owner is closed
     */
    public void copyFrom(long offset, ByteBuffer src) {
        Objects.requireNonNull(src, "src is null");
        int n = src.remaining();
        checkRange("copyFrom", offset, n);
        Gate gate = owner.gate();
        int g = gate.enter();
        try {
            checkAlive("copyFrom");
            if (size <= Integer.MAX_VALUE) {
                cachedView().put((int) offset, src, src.position(), n);
            } else {
                owner.blockView(handle + offset, n).put(src.duplicate());
            }
            src.position(src.limit());
        } finally {
            gate.exit(g);
        }
    }

    /**
     * Copies {@code length} bytes of {@code src} at {@code srcOffset} into this block at
     * {@code offset} (inside the instance, memmove: the blocks may be the same). Both blocks'
     * lives are checked and the bytes copied in one step that resets, compactions and closes
     * wait for, as in {@link #copyFrom(long, ByteBuffer)}.
     *
     * @param offset where in this block
     * @param src the block to copy from, of the same instance
     * @param srcOffset where in src
     * @param length bytes, 0 or more
     * @throws IndexOutOfBoundsException when a range does not fit its block
     * @throws InvalidHandleException when either block is closed or was released by a reset/compaction
     * @throws IllegalArgumentException when src belongs to another instance
     * @throws NullPointerException for a null src
     * @throws IllegalStateException when the owner is closed
     */
    public void copyFrom(long offset, Block src, long srcOffset, long length) {
        Objects.requireNonNull(src, "src is null");
        if (src.owner != owner) {
            throw new IllegalArgumentException("copyFrom: " + src + " belongs to another Walloc instance than " + this);
        }
        checkRange("copyFrom", offset, length);
        src.checkRange("copyFrom", srcOffset, length);
        Gate gate = owner.gate();
        int g = gate.enter();
        try {
            checkAlive("copyFrom");
            src.checkAlive("copyFrom");
            int st = WallocNative.copy(owner.nativeInstance(), handle + offset, src.handle + srcOffset, length);
            if (st != 0) {
                throw Errors.error(st, "copyFrom " + src + " to " + this, handle, tier, length);
            }
        } finally {
            gate.exit(g);
        }
    }

    /**
     * Copies {@code length} bytes of the block at {@code offset} into
     * {@code dst[dstOffset, dstOffset + length)}.
     *
     * @param offset where in the block
     * @param dst the destination
     * @param dstOffset first byte of dst
     * @param length bytes to copy
     * @throws IndexOutOfBoundsException when the range does not fit the block or dst
     * @throws InvalidHandleException when the block is closed or was released by a reset/compaction
     * @throws NullPointerException for a null array
     * @throws IllegalStateException when the owner is closed
     */
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        ByteBuffer v = view;
        if (v != null && (int) offset == offset && current()) {
            try {
                v.get((int) offset, dst, dstOffset, length); // checks both ranges (see write)
                return;
            } catch (IndexOutOfBoundsException | NullPointerException e) {
                // the checked path below says what was wrong
            }
        }
        readChecked(offset, dst, dstOffset, length);
    }

    /* read's every other case, out of line (see writeChecked). */
    private void readChecked(long offset, byte[] dst, int dstOffset, int length) {
        Objects.requireNonNull(dst, "dst is null");
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        checkRange("read", offset, length);
        Gate gate = owner.gate();
        int g = gate.enter();
        try {
            checkAlive("read");
            if (size <= Integer.MAX_VALUE) {
                cachedView().get((int) offset, dst, dstOffset, length);
            } else {
                int st = WallocNative.read(owner.nativeInstance(), handle + offset, dst, dstOffset, length);
                if (st != 0) {
                    throw Errors.error(st, "read from block " + Errors.hex(handle), handle, tier, length);
                }
            }
        } finally {
            gate.exit(g);
        }
    }

    /**
     * Copies {@code length} bytes of the block at {@code offset} into a new array.
     *
     * @param offset where in the block
     * @param length bytes
     * @return the bytes
     * @throws IndexOutOfBoundsException when the range does not fit the block
     * @throws InvalidHandleException when the block is closed or was released by a reset/compaction
     * @throws IllegalStateException when the owner is closed
     */
    public byte[] read(long offset, int length) {
        checkRange("read", offset, length);
        read(offset, NO_BYTES, 0, 0); // a read of nothing checks the rest before the array is made
        byte[] b = new byte[length];
        read(offset, b, 0, length);
        return b;
    }

    /**
     * A direct {@link ByteBuffer} over the whole block, native byte order, position 0, limit and
     * capacity {@link #size()}; {@code asFloatBuffer()}, {@code asIntBuffer()} and so on follow from
     * it. Each call returns a new buffer object (over the same memory). The buffer is not checked
     * after the block dies (see the class comment).
     *
     * @return the view
     * @throws UnsupportedOperationException when the block is larger than a ByteBuffer can be
     * @throws InvalidHandleException when the block is closed or was released by a reset/compaction
     * @throws IllegalStateException when the owner is closed
     */
    public ByteBuffer asByteBuffer() {
        if (size > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("block " + Errors.hex(handle) + " of " + size
                    + " bytes is larger than a ByteBuffer can be (2 GiB - 1)");
        }
        Gate gate = owner.gate();
        int g = gate.enter();
        try {
            checkAlive("asByteBuffer");
            return cachedView().duplicate().order(ByteOrder.nativeOrder());
        } finally {
            gate.exit(g);
        }
    }

    /**
     * Frees the block, once: later calls, from any thread, do nothing. Does nothing either when
     * the owner is closed, or when a reset or compaction already released the block (a compaction
     * releases it unless its footprint, {@link Walloc#footprint}, ends at or below the
     * compaction's {@code keep}): that memory is no longer the block's and may already be another
     * block's, so nothing is freed and nothing is thrown, in checked and unchecked mode, with the
     * thread cache on or off. ({@link Walloc#free} of the raw handle instead is refused in checked
     * mode and must not be done in unchecked mode.)
     */
    @Override
    public void close() {
        TierHistory.Epoch e = TierHistory.close(this);
        if (e == CLOSED) {
            return;
        }
        if (unclosed != null) {
            unclosed.closed();
        }
        view = null;
        owner.freeBlock(this, e.number());
    }

    @Override
    public String toString() {
        return "Block[" + Errors.hex(handle) + ", " + size + " bytes, " + tier + (life == CLOSED ? ", closed" : "") + "]";
    }
}
