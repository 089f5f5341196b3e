package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The native gate behind the hot raw calls (see {@link Gate} and native/jni/call_gate.h): it holds
 * calls back during a reset, refuses them after close even once the gate is reused for another
 * instance, and survives the close race in its fallback mode (a fence per call instead of
 * membarrier) too. NeverCrashTest runs the close race with membarrier.
 */
class GateTest extends WallocTestBase {
    private static final long WAIT_MS = 200;

    /** Runs r on a new thread, started. */
    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    @Timeout(60)
    void gatedCallsWaitWhileAResetHoldsTheGate() throws Exception {
        Walloc w = open();
        AtomicLong done = new AtomicLong();
        AtomicReference<Throwable> err = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        Thread t = start("allocator", () -> {
            try {
                w.free(w.allocate(64, Tier.BOTTOM), 64); // the thread's first gated call (the slow path)
                ready.countDown();
                go.await();
                long h = w.allocate(64, Tier.MIDDLE); // the fast path: must wait in C
                w.free(h, 64);
                byte[] b = new byte[8];
                long h2 = w.allocate(8, Tier.TOP);
                w.writeData(h2, b);
                w.readData(h2, b, 0, 8);
                w.copy(h2, h2, 8);
                w.free(h2, 8);
                done.incrementAndGet();
            } catch (Throwable e) {
                err.set(e);
            }
        });
        assertTrue(ready.await(10, TimeUnit.SECONDS));
        w.gate().exclusive(() -> {
            go.countDown();
            try {
                t.join(WAIT_MS);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertTrue(t.isAlive(), "a gated allocate returned while the gate was held exclusively");
            assertEquals(0, done.get());
            return null;
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (done.get() == 0 && err.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertNull(err.get());
        assertEquals(1, done.get(), "the held-back calls ran once the reset was over");
    }

    @Test
    @Timeout(60)
    void aClosedInstanceStaysRefusedWhenItsNativeGateIsReused() {
        Walloc a = Walloc.create(WallocConfig.builder().capacity(1L << 20).build());
        long h = a.allocate(64, Tier.BOTTOM);
        long gateA = a.gate().nativeGate();
        long genA = a.gate().generation();
        a.close();
        Walloc b = null;
        List<Walloc> others = new ArrayList<>();
        try {
            for (int i = 0; i < 1000 && b == null; i++) {
                Walloc c = Walloc.create(WallocConfig.builder().capacity(1L << 20).build());
                if (c.gate().nativeGate() == gateA) {
                    b = c;
                } else {
                    others.add(c);
                }
            }
            assertTrue(b != null, "a closed instance's native gate is reused");
            assertNotEquals(genA, b.gate().generation(), "under a new generation");
            long hb = b.allocate(64, Tier.BOTTOM);
            Walloc stale = a;
            byte[] buf = new byte[8];
            for (Runnable call : new Runnable[] {
                () -> stale.allocate(64, Tier.BOTTOM),
                () -> stale.tryAllocate(64, Tier.BOTTOM),
                () -> stale.free(h, 64),
                () -> stale.free(hb, 64),
                () -> stale.writeData(hb, buf),
                () -> stale.readData(hb, buf, 0, 8),
                () -> stale.copy(hb, hb, 8)}) {
                IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
            }
            TierStats s = b.tierStats(Tier.BOTTOM);
            assertEquals(1, s.liveBlocks(), "the stale instance's calls did not reach the new one: " + s);
            b.free(hb, 64);
        } finally {
            if (b != null) {
                b.close();
            }
            others.forEach(Walloc::close);
        }
    }

    /** The native gate's fallback (a fence per call, no membarrier), in a child JVM. */
    @Test
    @Timeout(300)
    void fenceFallbackPassesTheCloseRace() throws Exception {
        String java = ProcessHandle.current().info().command().orElse(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(java, "-Xcheck:jni", "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-cp", cp, FenceMain.class.getName()).redirectErrorStream(true);
        pb.environment().put("WALLOC_GATE_FENCE", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "child finished");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("fence mode ok"), out);
        assertEquals(1, WallocNative.gateMembarrier(), "this JVM (no WALLOC_GATE_FENCE) uses membarrier on Linux");
    }

    /** Child JVM of {@link #fenceFallbackPassesTheCloseRace}. */
    static final class FenceMain {
        public static void main(String[] args) throws Exception {
            WallocNative.ensureLoaded();
            if (WallocNative.gateMembarrier() != 0) {
                System.out.println("WALLOC_GATE_FENCE=1 but the gate uses membarrier");
                System.exit(2);
            }
            Map<String, AtomicLong> outcomes = NeverCrashTest.runRounds(Set.of());
            if (outcomes.get("ok").get() < 100_000 || !outcomes.containsKey("IllegalStateException")) {
                System.out.println("unexpected outcomes " + outcomes);
                System.exit(3);
            }
            try (Walloc w = Walloc.create()) {
                long h = w.allocate(100, Tier.TOP);
                w.resetTier(Tier.TOP);
                w.free(w.allocate(100, Tier.TOP), 100);
                if (h < 0) {
                    System.exit(4);
                }
            }
            System.out.println("fence mode ok " + outcomes);
        }
    }
}
