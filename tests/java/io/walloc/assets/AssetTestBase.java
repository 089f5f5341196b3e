package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walloc.Tier;
import io.walloc.TierStats;
import io.walloc.Walloc;
import io.walloc.WallocConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;

/**
 * Instances made through {@link #open} are checked after each test: once the registries are
 * closed, every tier must have zero live bytes and blocks.
 */
abstract class AssetTestBase {
    private final List<AutoCloseable> closeFirst = new ArrayList<>();
    private final List<Walloc> opened = new ArrayList<>();

    Walloc open(long capacity) {
        Walloc w = Walloc.create(WallocConfig.builder().capacity(capacity).checked(true).build());
        opened.add(w);
        return w;
    }

    <T extends AutoCloseable> T closeAfter(T c) {
        closeFirst.add(c);
        return c;
    }

    /** Waits up to 5 s for cond to hold; the caller asserts what it expects afterwards. */
    static void waitFor(BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!cond.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    static void assertNoLive(Walloc w, String when) {
        for (Tier t : Tier.values()) {
            TierStats s = w.tierStats(t);
            assertEquals(0, s.liveBlocks(), when + ": live blocks in " + t + ": " + s);
            assertEquals(0, s.liveBytes(), when + ": live bytes in " + t + ": " + s);
        }
    }

    @AfterEach
    void leakCheck() throws Exception {
        try {
            for (int i = closeFirst.size() - 1; i >= 0; i--) {
                closeFirst.get(i).close();
            }
            for (Walloc w : opened) {
                if (!w.isClosed()) {
                    assertNoLive(w, "leak check after the test");
                }
            }
        } finally {
            for (Walloc w : opened) {
                w.close();
            }
            opened.clear();
            closeFirst.clear();
        }
    }
}
