package io.walloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Close- and reset-safety for one instance: a striped count of calls in flight.
 *
 * <p>Every call into the native instance runs between {@link #enter()} and {@link #exit(int)}:
 * an atomic increment of a per-thread-stripe counter (each stripe on its own 128-byte line, so
 * threads do not share a cache line), then a read of the state word. {@link #exclusive} (reset,
 * compact) and {@link #close} set the state first and then wait for every stripe to drain, so no
 * call is inside the core while they run: the core's "reset must not race allocation" rule and
 * "destroy must not race anything" are enforced, and close can unmap the region at once. Calls
 * arriving while a reset runs wait for it; calls after close throw {@link IllegalStateException}.
 *
 * <p>Correctness: increment and state read are both sequentially consistent (VarHandle
 * getAndAdd, volatile read), as are the closer's state write and stripe reads, so either the
 * caller sees the new state or the closer sees the caller's increment (Dekker).
 */
final class Gate {
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int STRIPES = 16; // power of two
    private static final int PAD = 16; // longs per stripe: 128 bytes, two cache lines

    static final int OPEN = 0;
    static final int EXCLUSIVE = 1;
    static final int CLOSED = 2;

    private final long[] cells = new long[(STRIPES + 1) * PAD];
    private volatile int state = OPEN;
    private final ReentrantLock control = new ReentrantLock();
    private final String name;

    Gate(String name) {
        this.name = name;
    }

    private static int slot() {
        long id = Thread.currentThread().getId();
        return (int) ((id ^ (id >>> 4)) & (STRIPES - 1)) * PAD + PAD;
    }

    /** Enters a call. Returns the token for {@link #exit}. Throws when closed. */
    int enter() {
        int i = slot();
        CELLS.getAndAdd(cells, i, 1L);
        if (state != OPEN) {
            return enterSlow(i);
        }
        return i;
    }

    void exit(int token) {
        CELLS.getAndAdd(cells, token, -1L);
    }

    private int enterSlow(int i) {
        CELLS.getAndAdd(cells, i, -1L);
        int spins = 0;
        for (;;) {
            int s = state;
            if (s == CLOSED) {
                throw closed();
            }
            if (s == EXCLUSIVE) {
                if (++spins < 64) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
                continue;
            }
            CELLS.getAndAdd(cells, i, 1L);
            if (state == OPEN) {
                return i;
            }
            CELLS.getAndAdd(cells, i, -1L);
        }
    }

    IllegalStateException closed() {
        return new IllegalStateException(name + " is closed");
    }

    boolean isClosed() {
        return state == CLOSED;
    }

    private void drain() {
        int spins = 0;
        for (;;) {
            long sum = 0;
            for (int i = PAD; i < cells.length; i += PAD) {
                sum += (long) CELLS.getVolatile(cells, i);
            }
            if (sum == 0) {
                return;
            }
            if (++spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** Runs op with no other call inside the instance. Throws when closed. */
    <T> T exclusive(java.util.function.Supplier<T> op) {
        control.lock();
        try {
            if (state == CLOSED) {
                throw closed();
            }
            state = EXCLUSIVE;
            try {
                drain();
                return op.get();
            } finally {
                state = OPEN;
            }
        } finally {
            control.unlock();
        }
    }

    /**
     * Closes the gate and waits until no call is inside. Returns false if it was closed already.
     * {@code ending} runs twice under the control lock: before the closed state is published, so
     * whoever sees the gate closed (isClosed, or a close that returned false) sees its effects
     * too, and again once the calls in flight have drained, for what they did meanwhile.
     */
    boolean close(Runnable ending) {
        control.lock();
        try {
            if (state == CLOSED) {
                return false;
            }
            ending.run();
            state = CLOSED;
            drain();
            ending.run();
            return true;
        } finally {
            control.unlock();
        }
    }
}
