package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;

/**
 * Tests make instances through {@link #open}; after each test the leak check asserts that every
 * still-open instance has zero live bytes and blocks in every tier (unless the test called
 * {@link #allowLive}), then closes it.
 */
abstract class WallocTestBase {
    private final List<Walloc> opened = new ArrayList<>();
    private final Map<Walloc, Boolean> allowLive = new IdentityHashMap<>();

    Walloc open(WallocConfig config) {
        Walloc w = Walloc.create(config);
        opened.add(w);
        return w;
    }

    Walloc open(long capacity, boolean checked) {
        return open(WallocConfig.builder().capacity(capacity).checked(checked).build());
    }

    Walloc open() {
        return open(8L << 20, true);
    }

    /** The test means to leave blocks live in this instance. */
    void allowLive(Walloc w) {
        allowLive.put(w, Boolean.TRUE);
    }

    @AfterEach
    void leakCheck() {
        try {
            for (Walloc w : opened) {
                if (w.isClosed() || allowLive.containsKey(w)) {
                    continue;
                }
                for (Tier t : Tier.values()) {
                    TierStats s = w.tierStats(t);
                    assertEquals(0, s.liveBlocks(), "leak: live blocks in " + t + ": " + s);
                    assertEquals(0, s.liveBytes(), "leak: live bytes in " + t + ": " + s);
                }
            }
        } finally {
            for (Walloc w : opened) {
                w.close();
            }
            opened.clear();
            allowLive.clear();
        }
    }

    /** The work of one thread of {@link #concurrently}: thread i; stop turns true once any failed. */
    interface ThreadBody {
        void run(int i, BooleanSupplier stop) throws Exception;
    }

    /**
     * Runs body on n threads started together, joins them all, then throws the first failure
     * (wrapped, with name in the message) if any thread failed.
     */
    static void concurrently(int n, String name, ThreadBody body) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int i = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    body.run(i, () -> failure.get() != null);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, name + "-" + t);
            threads.add(th);
            th.start();
        }
        start.countDown();
        for (Thread th : threads) {
            th.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(name + " failed", failure.get());
        }
    }

    static byte[] pattern(int seed, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >> 8));
        }
        return b;
    }
}
