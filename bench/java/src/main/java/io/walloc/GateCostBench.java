package io.walloc;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The cost of close-safety: the same allocate + free pair of 64 bytes through the public API
 * ({@code gated}: the native gate, plain stores in C and membarrier(2) on the closing side),
 * through the Java gate that the other methods and Block use ({@code javaGated}: a striped
 * in-flight counter, one atomic increment and decrement per call) and straight through the JNI
 * entry points ({@code ungated}, unsafe against a concurrent close), on one thread and on two
 * threads sharing one instance; {@code nativeGatedRaw} calls the native gate's entry points
 * directly (no Java wrapper, no checks); {@code gateOnly} is one Java gate enter + exit. In package
 * io.walloc to reach the package-private natives.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class GateCostBench {
    Walloc w;
    long p;
    long ng;
    long gen;

    @Setup(Level.Trial)
    public void setup() {
        w = Walloc.create(WallocConfig.builder().capacity(256L << 20).build());
        p = w.nativeInstance();
        ng = w.gate().nativeGate();
        gen = w.gate().generation();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        w.close();
    }

    @Benchmark
    public long gated() {
        long h = w.allocate(64, Tier.BOTTOM);
        w.free(h, 64);
        return h;
    }

    @Benchmark
    public long javaGated() {
        Gate g = w.gate();
        int t = g.enter();
        long h;
        try {
            h = WallocNative.alloc(p, 64, 2);
            WallocNative.free(p, h, 64);
        } finally {
            g.exit(t);
        }
        return h;
    }

    @Benchmark
    public long nativeGatedRaw() {
        long h = WallocNative.gatedAlloc(ng, gen, 64, 2);
        WallocNative.gatedFree(ng, gen, h, 64);
        return h;
    }

    @Benchmark
    public long ungated() {
        long h = WallocNative.alloc(p, 64, 2);
        WallocNative.free(p, h, 64);
        return h;
    }

    @Benchmark
    public int gateOnly() {
        Gate g = w.gate();
        int t = g.enter();
        g.exit(t);
        return t;
    }

    @Benchmark
    @Threads(2)
    public long gated2Threads() {
        long h = w.allocate(64, Tier.BOTTOM);
        w.free(h, 64);
        return h;
    }

    @Benchmark
    @Threads(2)
    public long ungated2Threads() {
        long h = WallocNative.alloc(p, 64, 2);
        WallocNative.free(p, h, 64);
        return h;
    }
}
