package io.walloc.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.walloc.Tier;
import io.walloc.Walloc;
import io.walloc.WallocConfig;
import java.nio.ByteBuffer;
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

/** One allocate + free pair of {@code size} bytes, Walloc against its peers, same run. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class AllocFreeBench {
    @Param({"64", "1024"})
    public int size;

    Walloc w;
    Walloc core; // thread cache off: every call crosses JNI
    PooledByteBufAllocator netty;
    AdaptiveByteBufAllocator adaptive;

    /** Bytes of the segment that ffmSlicing carves up before it starts over. */
    static final long SLAB = 1L << 20;
    Object slabArena; // Arena, JDK 22+
    Object slab;      // MemorySegment of SLAB bytes from slabArena
    Object slicer;    // SegmentAllocator.slicingAllocator(slab)
    long sliced;      // bytes slicer has handed out

    @Setup(Level.Trial)
    public void setup() {
        w = Walloc.create(WallocConfig.builder().capacity(256L << 20).build());
        netty = new PooledByteBufAllocator(true);
        adaptive = new AdaptiveByteBufAllocator(); // what ByteBufAllocator.DEFAULT is in Netty 4.2
        // touch the memory once so first-touch page faults are not measured
        long h = w.allocate(size, Tier.BOTTOM);
        w.free(h, size);
        core = Walloc.create(WallocConfig.builder().capacity(256L << 20).threadCache(false).build());
        h = core.allocate(size, Tier.BOTTOM);
        core.free(h, size);
        if (Peers.hasFfm()) {
            try {
                // shared, so that setup and teardown need not run on the benchmark's thread; allocate
                // zeroes the segment, so its pages are touched before the measurement
                slabArena = (Object) Peers.ARENA_OF_SHARED.invokeExact();
                slab = (Object) Peers.ARENA_ALLOCATE.invokeExact(slabArena, SLAB, 4096L);
                slicer = (Object) Peers.SLICING_ALLOCATOR.invokeExact(slab);
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Throwable {
        w.close();
        core.close();
        if (slabArena != null) {
            Peers.ARENA_CLOSE.invokeExact(slabArena);
        }
    }

    @Benchmark
    public long walloc() {
        long h = w.allocate(size, Tier.BOTTOM);
        w.free(h, size);
        return h;
    }

    @Benchmark
    public long wallocNoThreadCache() {
        long h = core.allocate(size, Tier.BOTTOM);
        core.free(h, size);
        return h;
    }

    @Benchmark
    public long wallocBlock() {
        io.walloc.Block b = w.allocateBlock(size, Tier.BOTTOM);
        b.close();
        return b.handle();
    }

    @Benchmark
    public long unsafe() {
        long a = Peers.U.allocateMemory(size);
        Peers.U.freeMemory(a);
        return a;
    }

    @Benchmark
    public int allocateDirect() {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        Peers.freeDirect(b); // run its cleaner now
        return b.capacity();
    }

    @Benchmark
    public int nettyPooled() {
        return nettyPair(netty);
    }

    /** Netty 4.2's default allocator at its defaults: JMH's thread is no event-loop thread, so it
     *  takes the shared magazines, as nettyPooled takes no thread cache. */
    @Benchmark
    public int nettyAdaptive() {
        return nettyPair(adaptive);
    }

    /** directBuffer + release; each benchmark runs in a fork of its own, so this call site sees one allocator. */
    private int nettyPair(ByteBufAllocator a) {
        ByteBuf b = a.directBuffer(size);
        int c = b.capacity();
        b.release();
        return c;
    }

    @Benchmark
    public Object ffmConfinedArena() throws Throwable {
        if (!Peers.hasFfm()) {
            throw new UnsupportedOperationException("FFM needs JDK 22+");
        }
        Object arena = (Object) Peers.ARENA_OF_CONFINED.invokeExact();
        Object seg = (Object) Peers.ARENA_ALLOCATE.invokeExact(arena, (long) size, 8L);
        Peers.ARENA_CLOSE.invokeExact(arena);
        return seg;
    }

    /**
     * FFM's bump allocator, SegmentAllocator.slicingAllocator over one arena's 1 MiB segment: one
     * slice per operation and no free; when the next slice would not fit, a new slicingAllocator
     * over the same segment starts again at its base (every earlier slice is dead by then, as in a
     * per-request scratch arena). So it measures the slice (a bounds check and a new
     * MemorySegment) with the restart spread over the slices: a lower bound for an allocator that
     * frees everything at once, not a malloc/free pair. Running out is counted rather than caught
     * as IndexOutOfBoundsException, whose stack trace would show in the 1 KiB figure.
     */
    @Benchmark
    public Object ffmSlicing() throws Throwable {
        if (!Peers.hasFfm()) {
            throw new UnsupportedOperationException("FFM needs JDK 22+");
        }
        if (sliced + size > SLAB) {
            slicer = (Object) Peers.SLICING_ALLOCATOR.invokeExact(slab);
            sliced = 0;
        }
        sliced += size; // size is a multiple of the alignment: no padding between slices
        return (Object) Peers.ALLOCATOR_ALLOCATE.invokeExact(slicer, (long) size, 8L);
    }
}
