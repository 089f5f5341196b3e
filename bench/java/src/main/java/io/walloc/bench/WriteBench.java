package io.walloc.bench;

import io.walloc.Block;
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

/** Writing a byte[] of {@code size} bytes into native memory: Walloc's two paths against the peers. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class WriteBench {
    @Param({"64", "1024", "16384", "65536"})
    public int size;

    byte[] src;
    Walloc w;
    Block block;
    long handle;
    ByteBuffer direct;
    long unsafeAddr;

    @Setup(Level.Trial)
    public void setup() {
        src = new byte[size];
        for (int i = 0; i < size; i++) {
            src[i] = (byte) i;
        }
        w = Walloc.create(WallocConfig.builder().capacity(64L << 20).build());
        block = w.allocateBlock(size, Tier.MIDDLE);
        handle = w.allocate(size, Tier.MIDDLE);
        direct = ByteBuffer.allocateDirect(size);
        unsafeAddr = Peers.U.allocateMemory(size);
        // first touch outside the measurement
        block.write(0, src);
        w.writeData(handle, src);
        direct.put(0, src);
        Peers.U.copyMemory(src, Peers.BYTE_ARRAY_BASE, null, unsafeAddr, size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        block.close();
        w.free(handle, size);
        w.close();
        Peers.U.freeMemory(unsafeAddr);
    }

    /** Block.write: checks in Java (no gate), then ByteBuffer.put into the block's cached direct view. */
    @Benchmark
    public Block wallocBlockWrite() {
        block.write(0, src);
        return block;
    }

    /** Walloc.writeData: one JNI call, the core checks the range and copies. */
    @Benchmark
    public long wallocWriteData() {
        w.writeData(handle, src);
        return handle;
    }

    @Benchmark
    public ByteBuffer byteBufferPut() {
        return direct.put(0, src);
    }

    @Benchmark
    public long unsafeCopyMemory() {
        Peers.U.copyMemory(src, Peers.BYTE_ARRAY_BASE, null, unsafeAddr, size);
        return unsafeAddr;
    }
}
