package io.walloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Each tier's epoch: how many resets and compactions the tier went through (and one more once its
 * instance closes). A block remembers the epoch it was allocated in; the thread caches keep their
 * bins per epoch.
 *
 * <p>One object per tier, so that a {@link Block} keeps a reference to its own tier's and checks
 * it with two loads (on JDK 17, checking through the instance's array instead cost about 1 ns of a
 * 64 B write). Written only inside the instance's exclusive section or its close, one writer at a
 * time; read anywhere without the gate, with acquire: a read sees every advance that happened
 * before it, and what an advance publishes (the instance's survivor limits).
 */
final class TierEpochs {
    /** One tier's epoch. */
    static final class Epoch {
        private volatile int value;

        /** The current value. */
        int now() {
            return value;
        }
    }

    private static final VarHandle INT = MethodHandles.arrayElementVarHandle(int[].class);

    private final Epoch[] tiers = {new Epoch(), new Epoch(), new Epoch()};
    // The same values for the allocation paths, which index by tier: one dependent load fewer
    // than through tiers[t] (allocate + free pair, JDK 17: 13.4 ns against 14.1, within noise).
    private final int[] values = new int[3];

    /** Tier t's epoch object. */
    Epoch of(int t) {
        return tiers[t];
    }

    /** Tier t's current epoch (an acquire read). */
    int now(int t) {
        return (int) INT.getAcquire(values, t);
    }

    /** Moves tier t on to its next epoch, after whatever the caller recorded for the one ending. */
    void advance(int t) {
        int next = values[t] + 1; // one writer at a time (see the class comment)
        INT.setRelease(values, t, next);
        tiers[t].value = next;
    }
}
