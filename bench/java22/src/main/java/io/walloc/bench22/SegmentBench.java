package io.walloc.bench22;

import io.walloc.Block;
import io.walloc.Segments;
import io.walloc.Tier;
import io.walloc.Walloc;
import io.walloc.WallocConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * Walloc's segments (JDK 22+) against plain ones:
 * <ul>
 *   <li>{@code sumBlockSegment} / {@code sumSharedArenaSegment} / {@code sumConfinedArenaSegment}:
 *       summing a 4 KiB segment as longs, through a block's segment and through segments of a
 *       shared and a confined arena of the same size (what a per-access check would cost shows
 *       as a difference);</li>
 *   <li>{@code blockWithSegment}: allocateBlock + Segments.of + close, the price of a segment's own
 *       arena (made at the first segment, closed with a handshake when the block ends), against
 *       {@code blockAlone}: allocateBlock + close;</li>
 *   <li>{@code resetTier}: a reset of a tier holding {@code segments} blocks with segments (each
 *       arena closed) or the same number of blocks without.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class SegmentBench {
    private static final int BYTES = 4096;

    Walloc w;
    Block block;
    MemorySegment blockSegment;
    Arena shared;
    MemorySegment sharedSegment;
    Arena confined;
    MemorySegment confinedSegment;

    @Setup(Level.Trial)
    public void setup() {
        w = Walloc.create(WallocConfig.builder().capacity(256L << 20).build());
        block = w.allocateBlock(BYTES, Tier.TOP);
        blockSegment = Segments.of(block);
        shared = Arena.ofShared();
        sharedSegment = shared.allocate(BYTES, 128);
        confined = Arena.ofConfined();
        confinedSegment = confined.allocate(BYTES, 128);
        for (long i = 0; i < BYTES; i += 8) {
            blockSegment.set(ValueLayout.JAVA_LONG, i, i);
            sharedSegment.set(ValueLayout.JAVA_LONG, i, i);
            confinedSegment.set(ValueLayout.JAVA_LONG, i, i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        block.close();
        w.close();
        shared.close();
        confined.close();
    }

    private static long sum(MemorySegment s) {
        long sum = 0;
        for (long i = 0; i < BYTES; i += 8) {
            sum += s.get(ValueLayout.JAVA_LONG, i);
        }
        return sum;
    }

    @Benchmark
    public long sumBlockSegment() {
        return sum(blockSegment);
    }

    @Benchmark
    public long sumSharedArenaSegment() {
        return sum(sharedSegment);
    }

    @Benchmark
    public long sumConfinedArenaSegment() {
        return sum(confinedSegment);
    }

    @Benchmark
    public long blockWithSegment() {
        try (Block b = w.allocateBlock(256, Tier.MIDDLE)) {
            return Segments.of(b).byteSize();
        }
    }

    @Benchmark
    public long blockAlone() {
        try (Block b = w.allocateBlock(256, Tier.MIDDLE)) {
            return b.size();
        }
    }

    /** A tier of blocks to reset, made before each reset. */
    @State(Scope.Thread)
    public static class Tier64 {
        @Param({"0", "64"})
        public int segments;

        Walloc w;

        @Setup(Level.Trial)
        public void open() {
            w = Walloc.create(WallocConfig.builder().capacity(64L << 20).threadCache(false).build());
        }

        @Setup(Level.Invocation)
        public void fill() {
            for (int i = 0; i < 64; i++) {
                Block b = w.allocateBlock(256, Tier.BOTTOM);
                if (i < segments) {
                    Segments.of(b);
                }
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            w.close();
        }
    }

    @Benchmark
    public Walloc resetTier(Tier64 t) {
        t.w.resetTier(Tier.BOTTOM);
        return t.w;
    }
}
