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

/**
 * Writing a byte[] of {@code size} bytes into native memory: Walloc's two paths against the peers.
 * Every destination starts at the same address modulo 4096 as the Walloc block, so all of them
 * stand in the same relation to the source array: copy routines are sensitive to
 * {@code (dst - src) mod 4096} (4 KiB aliasing), and that placement would otherwise differ by
 * chance from one destination to the next.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class WriteBench {
    @Param({"64", "1024", "16384", "65536"})
    public int size;

    byte[] src;
    Walloc w;
    Block block;
    long handle; // the block's, written through the raw API
    ByteBuffer directAll;
    ByteBuffer direct;
    long unsafeAll;
    long unsafeAddr;

    @Setup(Level.Trial)
    public void setup() {
        src = new byte[size];
        for (int i = 0; i < size; i++) {
            src[i] = (byte) i;
        }
        w = Walloc.create(WallocConfig.builder().capacity(64L << 20).build());
        block = w.allocateBlock(size, Tier.MIDDLE);
        handle = block.handle();
        long page = Peers.address(block.asByteBuffer()) & 4095;
        directAll = ByteBuffer.allocateDirect(size + 4096);
        direct = directAll.slice((int) ((page - Peers.address(directAll)) & 4095), size);
        unsafeAll = Peers.U.allocateMemory(size + 4096);
        unsafeAddr = unsafeAll + ((page - unsafeAll) & 4095);
        // first touch outside the measurement
        block.write(0, src);
        w.writeData(handle, src);
        direct.put(0, src);
        Peers.U.copyMemory(src, Peers.BYTE_ARRAY_BASE, null, unsafeAddr, size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        block.close();
        w.close();
        Peers.U.freeMemory(unsafeAll);
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
