package io.walloc;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which allocations of a profiled instance are samples: a countdown per thread, so that one in
 * {@code rate} allocations of each thread is sampled on average, whatever the other threads do.
 * After each sample the gap to the next is drawn uniformly from {@code [1, 2 * rate - 1]} (mean
 * {@code rate}; the first gap is drawn the same way), so a loop that allocates in a fixed pattern
 * is not sampled at the same point of the pattern every time. Rate 1 samples every allocation.
 * The JavaScript face and the core ({@code wl_profile_sample_due}) sample by the same rule.
 *
 * <p>Cost: every allocation of a profiled instance finds its thread's countdown and decrements
 * it. The first thread to allocate finds its own through a field, without a {@link ThreadLocal}
 * lookup (the thread cache does the same for its bins); other threads through the ThreadLocal.
 *
 * <p>Thread safety: {@link #due()} and {@link #dueAmong(int)} touch only the calling thread's
 * countdown.
 */
final class Sampler {
    private final long rate;
    private final ThreadLocal<Countdown> local = new ThreadLocal<>();
    private Countdown first; // the first thread's countdown, read racily (owner is final): checked by owner

    /** One thread's countdown: allocations left until its next sample. Written by the owner only. */
    private static final class Countdown {
        final Thread owner = Thread.currentThread();
        long left;
    }

    Sampler(int rate) {
        this.rate = rate;
    }

    /** Whether the calling thread's next allocation is a sample (and counts it). */
    boolean due() {
        Countdown c = mine();
        if (--c.left > 0) {
            return false;
        }
        c.left = gap();
        return true;
    }

    /**
     * Counts a batch of n allocations: the indices of its samples in ascending order, or null
     * when none is (the common case at a high rate, found without a loop).
     */
    int[] dueAmong(int n) {
        Countdown c = mine();
        if (c.left > n) {
            c.left -= n;
            return null;
        }
        int[] found = new int[4];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (--c.left <= 0) {
                c.left = gap();
                if (k == found.length) {
                    found = Arrays.copyOf(found, k * 2);
                }
                found[k++] = i;
            }
        }
        return Arrays.copyOf(found, k);
    }

    /* A gap to the next sample: uniform in [1, 2 * rate - 1]. */
    private long gap() {
        return rate == 1 ? 1 : ThreadLocalRandom.current().nextLong(1, 2 * rate);
    }

    private Countdown mine() {
        Countdown c = first;
        return c != null && c.owner == Thread.currentThread() ? c : mineSlow();
    }

    private Countdown mineSlow() {
        Countdown c = local.get();
        if (c == null) {
            c = new Countdown();
            c.left = gap();
            local.set(c);
            synchronized (this) {
                if (first == null) {
                    first = c;
                }
            }
        }
        return c;
    }
}
