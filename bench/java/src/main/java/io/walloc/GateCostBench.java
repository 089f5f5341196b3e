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
 * The cost of the close-safety mechanism (the gate: a striped in-flight counter): the same
 * allocate + free pair of 64 bytes through the public API (gated) and straight through the JNI
 * entry points (ungated, unsafe against a concurrent close), on one thread and on two threads
 * sharing one instance. In package io.walloc to reach the package-private natives.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class GateCostBench {
    Walloc w;
    long p;

    @Setup(Level.Trial)
    public void setup() {
        w = Walloc.create(WallocConfig.builder().capacity(256L << 20).threadCache(false).build()); // every call through the gate
        p = w.nativeInstance();
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
