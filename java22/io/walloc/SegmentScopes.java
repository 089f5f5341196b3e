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
    /** The owner key of segments made from a raw handle, and of a free that may end any. */
    static final Object RAW = new Object();

    /**
     * A block's arena, where its footprint ends (what a compaction must keep for it), and whose
     * segments they are: a {@link Block}'s key, or {@link #RAW}. The key keeps a Block released by a
     * reset from ending, at its late close, the segments of the block that lives at its handle now.
     */
    private record Scope(Arena arena, long end, Object owner) {}

    private final ConcurrentHashMap<Long, Scope> live = new ConcurrentHashMap<>();
    private volatile boolean used;

    /**
     * A segment over {@code [address, address + size)}, the block at handle whose footprint ends at
     * {@code end}, for owner; inside the gate, after the caller checked the range. stillOpen throws
     * when the owner was closed meanwhile: run under the same lock as {@link #freed}, so a close
     * either comes first (and this throws) or finds the arena (and closes it). A block's segments and
     * raw segments at its handle share one arena (the first one's owner is kept).
     */
    MemorySegment segment(long address, long handle, long size, long end, Object owner, Runnable stillOpen) {
        synchronized (this) {
            used = true;
            stillOpen.run();
            Scope s = live.computeIfAbsent(handle, h -> new Scope(Arena.ofShared(), end, owner));
            // Under the lock: freed removes the arena under it before closing it, so it is open here.
            return MemorySegment.ofAddress(address).reinterpret(size, s.arena(), null);
        }
    }

    /**
     * The block at handle is about to be freed (or taken by the thread cache) by owner: a
     * {@link Block}'s key, which ends its own segments and raw ones at its handle, or {@link #RAW}
     * (a raw free, or the Cleaner's free of a block that is still alive), which ends any.
     */
    void freed(long handle, Object owner) {
        if (!used) {
            return;
        }
        Scope s;
        synchronized (this) {
            s = live.get(handle);
            if (s == null || (owner != RAW && s.owner() != owner && s.owner() != RAW)) {
                return;
            }
            live.remove(handle);
        }
        close(s.arena());
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
