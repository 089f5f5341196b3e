package io.walloc;

import java.lang.invoke.MethodHandle;
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
 * The cost of close-safety on the raw path: the same allocate + free pair of 64 bytes, with the
 * thread cache off,
 * <ul>
 *   <li>{@code gated}: through the public API (the native call gate of walloc_gate.h, in the JNI
 *       functions);</li>
 *   <li>{@code jniGated}: straight through the JNI entry points Walloc uses (the gate, without the
 *       API's own Java);</li>
 *   <li>{@code ungated}: through JNI entry points without the gate (allocNoGate / freeNoGate, for
 *       this benchmark only: unsafe against a concurrent close) — the baseline of issue 22's
 *       target, gated within 1.3x of it;</li>
 *   <li>{@code ffmCriticalGated} (JDK 22+): the gated JNI functions called as FFM critical
 *       downcalls instead (their JNIEnv is unused on this path), to see whether FFM would beat
 *       JNI for the hot calls;</li>
 *   <li>{@code javaStripes}: one enter + exit of io.walloc.Gate's striped counter (two atomic
 *       read-modify-writes: what the Java sections still pay);</li>
 * </ul>
 * on one thread and on two threads sharing one instance. In package io.walloc to reach the
 * package-private natives.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class GateCostBench {
    Walloc w;
    long p;

    @Setup(Level.Trial)
    public void setup() {
        w = Walloc.create(WallocConfig.builder().capacity(256L << 20).threadCache(false).build()); // every call through JNI
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
    public long jniGated() {
        long h = WallocNative.alloc(p, 64, 2);
        WallocNative.free(p, h, 64);
        return h;
    }

    @Benchmark
    public long ungated() {
        long h = WallocNative.allocNoGate(p, 64, 2);
        WallocNative.freeNoGate(p, h, 64);
        return h;
    }

    @Benchmark
    public long ffmCriticalGated() throws Throwable {
        long h = (long) FfmCalls.ALLOC.invokeExact(p, 64L, 2);
        int st = (int) FfmCalls.FREE.invokeExact(p, h, 64L);
        return h + st;
    }

    @Benchmark
    public int javaStripes() {
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
        long h = WallocNative.allocNoGate(p, 64, 2);
        WallocNative.freeNoGate(p, h, 64);
        return h;
    }

    /** FFM critical downcalls of the gated JNI functions (JDK 22+; null handles before). */
    static final class FfmCalls {
        static final MethodHandle ALLOC = io.walloc.bench.Peers.criticalDowncall("Java_io_walloc_WallocNative_alloc", true);
        static final MethodHandle FREE = io.walloc.bench.Peers.criticalDowncall("Java_io_walloc_WallocNative_free", false);
    }
}
