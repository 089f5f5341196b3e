package io.walloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Close- and reset-safety for one instance, in two layers.
 *
 * <p>Calls that are one native call and nothing else (allocate and free without the thread cache,
 * copies, reads, writes, statistics) are guarded in native code, by the instance's call gate
 * ({@code walloc_gate.h}): no locked instruction per call, and a closed instance answers
 * {@link WallocNative#CLOSED}. Sections that also read or change Java state that a reset or close
 * changes (a {@link Block}'s liveness check and its free, the thread cache's bounds, views) run
 * between {@link #enter()} and {@link #exit(int)} here: an atomic increment of a
 * per-thread-stripe counter (each stripe on its own 128-byte line), then a read of the state word.
 *
 * <p>{@link #exclusive} (reset, compact) and {@link #close} shut this layer first (set the state,
 * wait for every stripe to drain), then the native gate (which waits for native calls in
 * flight), so no call is inside the core while they run: the core's "reset must not race
 * allocation" rule and "destroy must not race anything" are enforced, and close can give the
 * memory back at once. In that order no thread waits in the native gate while holding a stripe.
 * Calls arriving while a reset runs wait for it; calls after close throw
 * {@link IllegalStateException}.
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
    private final long w;

    /** The gate of native instance w (whose call gate it shuts too). */
    Gate(String name, long w) {
        this.name = name;
        this.w = w;
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
                WallocNative.gateShut(w, WallocNative.GATE_EXCLUSIVE);
                try {
                    return op.get();
                } finally {
                    WallocNative.gateOpen(w);
                }
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
            WallocNative.gateShut(w, WallocNative.GATE_CLOSED);
            ending.run();
            return true;
        } finally {
            control.unlock();
        }
    }
}
