package io.walloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The 4 KiB pages of an instance that hold sampled blocks, so that the Java thread cache never
 * takes a sample's free: the core keeps a sample's record until the sample is freed in the core,
 * and a block waiting in a Java bin, then handed out again from there, would stay counted at its
 * old site. The core hands samples out from spans of its own (whole pages that hold nothing but
 * samples), so a page with a sample holds no block the bins may take, and testing the freed
 * handle's page is exact for every live sample. A page stays marked after its samples are gone
 * (its span may serve other blocks later, whose frees then skip the bins: slower, never wrong),
 * until a reset or compaction releases it.
 *
 * <p>One bit per page of the region: 2 KiB per GiB of capacity, made only for instances that
 * keep a profile and a thread cache.
 *
 * <p>Thread safety: {@link #mark} runs inside the gate, {@link #clear} inside an exclusive section
 * (no mark races it); {@link #contains} anywhere. A free of a sample follows its allocation
 * (whoever frees a handle got it from its allocator), so it sees the mark.
 */
final class SampledPages {
    private static final int PAGE_SHIFT = 12;
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] bits;

    /** For handles in [0, regionBytes). */
    SampledPages(long regionBytes) {
        long pages = (regionBytes + (1L << PAGE_SHIFT) - 1) >>> PAGE_SHIFT;
        this.bits = new long[(int) ((pages + 63) >>> 6)];
    }

    /** The page of handle h (a sample just handed out) holds a sample. */
    void mark(long h) {
        long page = h >>> PAGE_SHIFT;
        WORD.getAndBitwiseOr(bits, (int) (page >>> 6), 1L << page);
    }

    /** Whether the page of handle h (in the region) may hold a sample. A plain read: the bit that
     *  matters was set before h was handed out, and a read racing another page's mark (even a torn
     *  one, where longs may tear) sees it either way. */
    boolean contains(long h) {
        long page = h >>> PAGE_SHIFT;
        return (bits[(int) (page >>> 6)] & (1L << page)) != 0;
    }

    /** Unmarks the pages that lie wholly in [from, to): a reset or compaction released them. */
    void clear(long from, long to) {
        long first = (from + (1L << PAGE_SHIFT) - 1) >>> PAGE_SHIFT; // pages from here on start at or above from
        long end = to >>> PAGE_SHIFT; // and end at or below to
        for (long p = first; p < end; p++) {
            int i = (int) (p >>> 6);
            if ((p & 63) == 0 && p + 64 <= end) {
                WORD.setOpaque(bits, i, 0L);
                p += 63;
            } else {
                WORD.getAndBitwiseAnd(bits, i, ~(1L << p));
            }
        }
    }
}
