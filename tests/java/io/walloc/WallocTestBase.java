package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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

    static byte[] pattern(int seed, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >> 8));
        }
        return b;
    }
}
