package io.walloc.bench;

import io.walloc.Block;
import io.walloc.Tier;
import io.walloc.Walloc;
import io.walloc.WallocConfig;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the allocation profile costs the 64 B allocate + free pair: the same three pairs as
 * AllocFreeBench ({@code walloc}, {@code wallocNoThreadCache}, {@code wallocBlock}) on instances
 * without a profile ({@code profile=off}), sampling one allocation in 1000 and every allocation,
 * in one run (each parameter in forks of its own). The targets: off, the pair as before
 * (AllocFreeBench in the same run is the same code); at 1/1000 within 5 % of off; at 1, measured.
 * At rate 1 every pair walks the stack (JMH's frames: 8 kept) and takes the core's profile lock.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class ProfileBench {
    static final int SIZE = 64;

    @Param({"off", "1000000", "1000", "1"})
    public String profile;

    Walloc w;
    Walloc core; // thread cache off: every call crosses JNI

    @Setup(Level.Trial)
    public void setup() {
        w = Walloc.create(config().build());
        core = Walloc.create(config().threadCache(false).build());
        for (Walloc x : new Walloc[] {w, core}) { // touch the memory once so first-touch faults are not measured
            long h = x.allocate(SIZE, Tier.BOTTOM);
            x.free(h, SIZE);
        }
    }

    private WallocConfig.Builder config() {
        WallocConfig.Builder b = WallocConfig.builder().capacity(256L << 20);
        return profile.equals("off") ? b : b.profile(Integer.parseInt(profile));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        w.close(); // nothing is left live: no leak report
        core.close();
    }

    @Benchmark
    public long walloc() {
        long h = w.allocate(SIZE, Tier.BOTTOM);
        w.free(h, SIZE);
        return h;
    }

    @Benchmark
    public long wallocNoThreadCache() {
        long h = core.allocate(SIZE, Tier.BOTTOM);
        core.free(h, SIZE);
        return h;
    }

    @Benchmark
    public long wallocBlock() {
        Block b = w.allocateBlock(SIZE, Tier.BOTTOM);
        b.close();
        return b.handle();
    }
}
