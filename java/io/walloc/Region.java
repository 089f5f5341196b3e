package io.walloc;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The mapped memory of one instance, and every direct buffer over it.
 *
 * <p>A direct buffer is raw memory the JVM cannot check: if the region were unmapped while a
 * buffer over it is still reachable, touching the buffer would crash the process. So buffers are
 * never made over the region directly: they are slices of a few <em>windows</em> (one direct
 * buffer per GiB of the region, each up to 2 GiB − 1 long), and a slice keeps its window
 * reachable. The region is unmapped only when the instance is destroyed <em>and</em> every window
 * is unreachable; destroying the instance gives the RAM back at once (see
 * {@code walloc_destroy_keep_region}), so a buffer used after {@link Walloc#close()} reads zeros
 * (on Windows: unspecified bytes) and its writes land in pages nobody else sees.
 *
 * <p>Thread safety: {@link #slice} may be called from any thread; windows are made at most once
 * each (a thread that loses the race to publish one drops its own, which is then released like
 * any other unreachable window).
 */
final class Region {
    /** One Cleaner thread for every instance and window. */
    static final Cleaner CLEANER = Cleaner.create();

    private static final int WINDOW_SHIFT = 30;
    private static final int WINDOW_MAX = Integer.MAX_VALUE;

    private final long base;
    private final long size;
    private final AtomicReferenceArray<ByteBuffer> windows;
    private final Lifetime lifetime;

    /** The region of a live instance w. */
    Region(long w) {
        this.base = WallocNative.regionBase(w);
        this.size = WallocNative.regionSize(w);
        this.windows = new AtomicReferenceArray<>((int) ((size + (1L << WINDOW_SHIFT) - 1) >>> WINDOW_SHIFT));
        this.lifetime = new Lifetime(base, size);
    }

    /**
     * Counts the holders of the region (the instance, until it is destroyed, and each window) and
     * unmaps it when the last lets go. A Cleaner action: it must not reference what it outlives.
     */
    static final class Lifetime implements Runnable {
        private final long base;
        private final long size;
        private final AtomicInteger holders = new AtomicInteger(1); // the instance
        private volatile boolean released;

        Lifetime(long base, long size) {
            this.base = base;
            this.size = size;
        }

        void hold() {
            holders.incrementAndGet();
        }

        /** One holder lets go; the last unmaps the region. */
        @Override
        public void run() {
            if (holders.decrementAndGet() == 0) {
                WallocNative.regionRelease(base, size);
                released = true;
            }
        }

        /** Whether the region has been unmapped (for tests). */
        boolean released() {
            return released;
        }
    }

    /** The holders' count, for the instance's destroyer, which lets go once the instance is gone. */
    Lifetime lifetime() {
        return lifetime;
    }

    /** The instance is gone: it stops holding its windows (views still hold theirs), so a closed
     *  Walloc that stays reachable does not keep the region mapped. */
    void instanceDestroyed() {
        for (int k = 0; k < windows.length(); k++) {
            windows.set(k, null);
        }
        lifetime.run();
    }

    /** The address of offset in the region (for segments, JDK 22+). */
    long address(long offset) {
        return base + offset;
    }

    /**
     * A big-endian direct buffer over {@code [offset, offset + length)} of the region, which must
     * already be checked to lie inside what one tier handed out. Only while the instance is open.
     */
    ByteBuffer slice(long offset, int length) {
        int k = (int) (offset >>> WINDOW_SHIFT);
        long inWindow = offset - ((long) k << WINDOW_SHIFT);
        ByteBuffer window = windows.get(k);
        if (window == null) {
            window = newBuffer(base + ((long) k << WINDOW_SHIFT),
                    (int) Math.min(WINDOW_MAX, size - ((long) k << WINDOW_SHIFT)));
            if (!windows.compareAndSet(k, null, window)) {
                window = windows.get(k);
            }
        }
        if (inWindow + length <= window.capacity()) {
            return window.slice((int) inWindow, length);
        }
        return newBuffer(base + offset, length); // over 1 GiB, crossing its window's end
    }

    private ByteBuffer newBuffer(long address, int length) {
        ByteBuffer b = WallocNative.buffer(address, length);
        if (b == null) {
            throw new IllegalStateException("the JVM made no direct buffer of " + length + " bytes");
        }
        lifetime.hold();
        CLEANER.register(b, lifetime);
        return b;
    }
}
