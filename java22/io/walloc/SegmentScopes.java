package io.walloc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lifetimes of an instance's {@code MemorySegment}s (JDK 22+; the jar's base holds a version
 * that does nothing). Each block that was given a segment has a shared {@link Arena} of its own,
 * made at the first segment and closed when the block is freed, released by a reset or a
 * compaction, or its instance closed. Closing a shared arena makes the JVM wait until no thread is
 * inside an access to its segments (a handshake), so an access after that throws
 * {@link IllegalStateException} and none can still be writing into the block's memory; compiled
 * code checks nothing per access. Blocks without segments cost nothing but a volatile read at
 * free.
 *
 * <p>Thread safety: {@link #segment} and {@link #freed} from any thread (segment inside the
 * instance's gate); {@link #released} inside the exclusive section or the close.
 */
final class SegmentScopes {
    /** A block's arena, and where its footprint ends (what a compaction must keep for it). */
    private record Scope(Arena arena, long end) {}

    private final ConcurrentHashMap<Long, Scope> live = new ConcurrentHashMap<>();
    private volatile boolean used;

    /**
     * A segment over {@code [address, address + size)}, the block at handle whose footprint ends at
     * {@code end}; inside the gate, after the caller checked the range.
     */
    MemorySegment segment(long address, long handle, long size, long end) {
        used = true;
        Scope s = live.computeIfAbsent(handle, h -> new Scope(Arena.ofShared(), end));
        // Closed meanwhile by a free on another thread: reinterpret throws IllegalStateException.
        return MemorySegment.ofAddress(address).reinterpret(size, s.arena(), null);
    }

    /** The block at handle is about to be freed (or taken by the thread cache). */
    void freed(long handle) {
        if (used) {
            Scope s = live.remove(handle);
            if (s != null) {
                close(s.arena());
            }
        }
    }

    /**
     * Inside a reset, compaction or close: blocks of the handle range {@code [from, to)} whose
     * footprint ends above {@code keptBelow} are released.
     */
    void released(long from, long to, long keptBelow) {
        if (!used) {
            return;
        }
        for (var e : live.entrySet()) {
            long h = e.getKey();
            if (h >= from && h < to && e.getValue().end() > keptBelow && live.remove(h, e.getValue())) {
                close(e.getValue().arena());
            }
        }
    }

    /* A shared arena refuses to close while one of its segments is kept alive by a downcall in
     * flight (the user's own FFM call): that ends soon, and the block must not outlive it. */
    private static void close(Arena a) {
        for (int spins = 0;; spins++) {
            try {
                a.close();
                return;
            } catch (IllegalStateException keptAlive) {
                if (!a.scope().isAlive()) {
                    return; // closed by another thread
                }
                if (spins < 64) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
    }
}
