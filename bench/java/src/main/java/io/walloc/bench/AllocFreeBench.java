package io.walloc.bench;

import io.netty.buffer.ByteBuf;
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

    @Setup(Level.Trial)
    public void setup() {
        w = Walloc.create(WallocConfig.builder().capacity(256L << 20).build());
        netty = new PooledByteBufAllocator(true);
        // touch the memory once so first-touch page faults are not measured
        long h = w.allocate(size, Tier.BOTTOM);
        w.free(h, size);
        core = Walloc.create(WallocConfig.builder().capacity(256L << 20).threadCache(false).build());
        h = core.allocate(size, Tier.BOTTOM);
        core.free(h, size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        w.close();
        core.close();
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
        ByteBuf b = netty.directBuffer(size);
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
}
