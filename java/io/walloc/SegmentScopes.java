package io.walloc;

/**
 * The lifetimes of an instance's {@code MemorySegment}s: on JDK 22 and later (the multi-release
 * jar's {@code META-INF/versions/22}) each segment of a block lives in a shared arena that is
 * closed when the block is freed, released by a reset or compaction, or its instance closed. On
 * JDK 17 to 21 there are no segments, and this class, the one the jar's base holds, does nothing.
 *
 * <p>Thread safety: {@link #freed} from any thread; {@link #released} inside the instance's
 * exclusive section or its close.
 */
final class SegmentScopes {
    /** The owner key of segments made from a raw handle, and of a free that may end any. */
    static final Object RAW = new Object();

    /**
     * The block at handle is about to be freed (or taken by the thread cache) by its owner: a
     * {@link Block}'s key ({@link Block#segmentKey()}), or {@link #RAW} for a raw free.
     */
    void freed(long handle, Object owner) {
    }

    /**
     * Inside a reset, compaction or close: blocks of the handle range {@code [from, to)} whose
     * footprint ends above {@code keptBelow} are released.
     */
    void released(long from, long to, long keptBelow) {
    }
}
