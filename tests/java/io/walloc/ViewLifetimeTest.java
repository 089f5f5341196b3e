package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Direct buffers over a region outlive the instance without crashing the JVM: the region stays
 * mapped while a view is reachable, reads zeros after close, and is unmapped once the instance
 * and every view are gone. (Before Region, touching a view after close was a SIGSEGV.)
 */
class ViewLifetimeTest extends WallocTestBase {

    @Test
    void viewsUsedAfterCloseReadZerosAndAcceptWrites() {
        Walloc w = open(16L << 20, false);
        Block b = w.allocateBlock(1 << 16, Tier.TOP);
        ByteBuffer bytes = b.asByteBuffer();
        FloatBuffer floats = bytes.asFloatBuffer();
        long raw = w.allocate(4096, Tier.BOTTOM);
        ByteBuffer rawView = w.view(raw, 4096);
        for (int i = 0; i < floats.capacity(); i++) {
            floats.put(i, i + 0.5f);
        }
        rawView.put(4095, (byte) 0x5A);
        assertEquals(0x5A, w.readData(raw + 4095, 1)[0]);

        w.close();

        for (int i = 0; i < bytes.capacity(); i += 997) {
            assertEquals(0, bytes.get(i), "byte " + i + " after close");
        }
        assertEquals(0f, floats.get(floats.capacity() - 1));
        assertEquals(0, rawView.get(4095));
        floats.put(7, 3.25f); // lands in a fresh page that nobody else sees
        assertEquals(3.25f, floats.get(7));
        rawView.put(0, (byte) 1);
        assertEquals(1, rawView.get(0));
        assertThrows(IllegalStateException.class, b::asByteBuffer);
        assertThrows(IllegalStateException.class, () -> w.view(raw, 1));
    }

    @Test
    void theRegionIsUnmappedOnlyOnceTheInstanceAndEveryViewAreUnreachable() {
        Walloc w = Walloc.create(WallocConfig.builder().capacity(8L << 20).build());
        Region.Lifetime lifetime = w.regionLifetime();
        ByteBuffer[] held = {w.view(w.allocate(256, Tier.MIDDLE), 256)};
        w.close();
        assertFalse(lifetime.released(), "a view still holds the region");
        w = null;
        for (int i = 0; i < 5; i++) {
            System.gc();
            sleep(20);
        }
        assertFalse(lifetime.released(), "a view still holds the region");
        held[0].put(0, (byte) 9);
        assertEquals(9, held[0].get(0));

        held[0] = null;
        waitFor(lifetime::released, "the region to be unmapped after its last view became unreachable");
    }

    @Test
    void aClosedInstanceThatStaysReachableDoesNotKeepTheRegionMapped() {
        Walloc w = open(8L << 20, false);
        Region.Lifetime lifetime = w.regionLifetime();
        ByteBuffer[] held = {w.view(w.allocate(256, Tier.MIDDLE), 256)};
        w.free(w.allocate(64, Tier.TOP), 64);
        w.close();
        held[0] = null;
        waitFor(lifetime::released, "the region to be unmapped while the closed Walloc is still reachable");
        assertTrue(w.isClosed()); // w itself was reachable all along
    }

    @Test
    void aViewOutlivesAnInstanceThatWasNeverClosed() {
        Walloc w = Walloc.create(WallocConfig.builder().capacity(8L << 20).build());
        Region.Lifetime lifetime = w.regionLifetime();
        ByteBuffer view = w.view(w.allocate(4096, Tier.TOP), 4096);
        view.put(100, (byte) 0x77);
        w = null;
        // The Cleaner destroys the unreachable instance; its RAM goes back, so the byte reads 0.
        waitFor(() -> view.get(100) == 0, "the collected instance's destroyer to give the RAM back");
        assertFalse(lifetime.released(), "the view still holds the region");
        view.put(100, (byte) 1);
        assertEquals(1, view.get(100));
    }

    @Test
    void aViewLongerThanItsWindowGetsABufferOfItsOwn() {
        // Windows start every GiB and are 2 GiB - 1 long: a 1.5 GiB block at 0.75 GiB crosses
        // the end of window 0. Address space only: the pages touched are the ones written.
        Walloc w = open(5L << 30, false);
        long first = w.allocate(3L << 28, Tier.TOP);
        long second = w.allocate(3L << 29, Tier.TOP);
        assertTrue(second + (3L << 29) > Integer.MAX_VALUE, "the block crosses window 0's end");
        ByteBuffer v = w.view(second, 3 << 29);
        assertEquals(3 << 29, v.capacity());
        v.put(0, (byte) 1);
        v.put(v.capacity() - 1, (byte) 2);
        assertEquals(1, w.readData(second, 1)[0]);
        assertEquals(2, w.readData(second + v.capacity() - 1, 1)[0]);
        w.free(second, 3L << 29);
        w.free(first, 3L << 28);
    }

    private static void waitFor(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            System.gc();
            sleep(10);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
