package io.walloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Each tier's epoch: how many resets and compactions the tier went through (and one more once its
 * instance closes). A block remembers the epoch it was allocated in; the thread caches keep their
 * bins per epoch.
 *
 * <p>Every epoch is also an object, {@link Epoch}, marked {@linkplain Epoch#ended() ended} when
 * its tier moves on: a {@link Block} holds the one it is known alive in and checks it with one
 * dependent load (on JDK 17, comparing the block's number with its tier's cost about 0.1 ns more
 * of a 64 B write, and checking through the instance's array about 1 ns). Written only inside the
 * instance's exclusive section or its close, one writer at a time; read anywhere without the
 * gate, with acquire: a read sees every advance that happened before it, and what an advance
 * publishes (the instance's survivor limits).
 */
final class TierEpochs {
    /** One epoch of one tier. */
    static final class Epoch {
        /** The epoch of closed blocks: no tier's, ended from the start. */
        static final Epoch CLOSED = new Epoch(-1);

        private final int number;
        private volatile boolean ended;

        private Epoch(int number) {
            this.number = number;
            this.ended = number < 0;
        }

        /** Its place in the tier's sequence, from 0 (-1 for {@link #CLOSED}). */
        int number() {
            return number;
        }

        /** Whether the tier moved on from it (always true for {@link #CLOSED}). */
        boolean ended() {
            return ended;
        }
    }

    private static final VarHandle INT = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle EPOCH = MethodHandles.arrayElementVarHandle(Epoch[].class);

    private final Epoch[] current = {new Epoch(0), new Epoch(0), new Epoch(0)};
    // The numbers again for the allocation paths, which index by tier: one dependent load fewer
    // than through current[t]. A/B of the 64 B allocate + free pair, 2 rounds x 2 forks: JDK 17
    // 14.05 ns with this array against 14.4 through current[t] in both rounds; JDK 25 the same.
    private final int[] numbers = new int[3];

    /** Tier t's current epoch object (an acquire read). */
    Epoch of(int t) {
        return (Epoch) EPOCH.getAcquire(current, t);
    }

    /** Tier t's current epoch number (an acquire read). */
    int now(int t) {
        return (int) INT.getAcquire(numbers, t);
    }

    /** Moves tier t on to its next epoch, after whatever the caller recorded for the one ending. */
    void advance(int t) {
        Epoch ending = current[t]; // one writer at a time (see the class comment)
        Epoch next = new Epoch(ending.number + 1);
        INT.setRelease(numbers, t, next.number);
        EPOCH.setRelease(current, t, next);
        ending.ended = true;
    }
}
