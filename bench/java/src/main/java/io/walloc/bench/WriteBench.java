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
 * chance from one destination to the next. The source bytes, a window of a larger array, start
 * 2048 bytes past the destinations modulo 4096 in every fork. Where the array itself lands
 * differs from fork to fork, and copy speed depends on it (the source's alignment, and 4 KiB
 * aliasing between source and destination, once split one writer's forks into a fast and a slow
 * group: bench/java/RESULTS.md, "Why WriteBench pins its addresses"; bench/native/aliasing.c shows
 * the same in C).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class WriteBench {
    @Param({"64", "1024", "16384", "65536"})
    public int size;

    byte[] src;
    int srcOffset; // where the size bytes start in src: SOURCE_DISTANCE past the block, mod 4096
    long blockPage; // the block's address modulo 4096

    static final int SOURCE_DISTANCE = 2048;
    Walloc w;
    Block block;
    long handle; // the block's, written through the raw API
    ByteBuffer blockView; // the block's own memory as a plain direct buffer (a control, no checks)
    ByteBuffer directAll;
    ByteBuffer direct;
    Object directSegment; // MemorySegment.ofBuffer(direct), JDK 22+
    boolean stop; // never set: the condition of flagThenBlockViewPut
    long unsafeAll;
    long unsafeAddr;

    @Setup(Level.Trial)
    public void setup() {
        w = Walloc.create(WallocConfig.builder().capacity(64L << 20).build());
        block = w.allocateBlock(size, Tier.MIDDLE);
        handle = block.handle();
        blockView = block.asByteBuffer();
        blockPage = Peers.address(blockView) & 4095;
        src = new byte[size + 4096];
        srcOffset = placedOffset(src);
        for (int i = 0; i < size; i++) {
            src[srcOffset + i] = (byte) i;
        }
        directAll = ByteBuffer.allocateDirect(size + 4096);
        direct = directAll.slice((int) ((blockPage - Peers.address(directAll)) & 4095), size);
        if (Peers.hasFfm()) {
            try {
                directSegment = (Object) Peers.SEGMENT_OF_BUFFER.invokeExact(direct);
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
        unsafeAll = Peers.U.allocateMemory(size + 4096);
        unsafeAddr = unsafeAll + ((blockPage - unsafeAll) & 4095);
        // first touch outside the measurement
        block.write(0, src, srcOffset, size);
        w.writeData(handle, src, srcOffset, size);
        direct.put(0, src, srcOffset, size);
        Peers.U.copyMemory(src, Peers.BYTE_ARRAY_BASE + srcOffset, null, unsafeAddr, size);
    }

    /** Again before every iteration: a collection may have moved the array. */
    @Setup(Level.Iteration)
    public void placeSource() {
        int now = placedOffset(src);
        if (now != srcOffset) {
            System.arraycopy(src, srcOffset, src, now, size);
            srcOffset = now;
        }
    }

    private int placedOffset(byte[] a) {
        return (int) ((blockPage + SOURCE_DISTANCE - Peers.dataPageOffset(a)) & 4095);
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
        block.write(0, src, srcOffset, size);
        return block;
    }

    /** Walloc.writeData: one JNI call, the core checks the range and copies. */
    @Benchmark
    public long wallocWriteData() {
        w.writeData(handle, src, srcOffset, size);
        return handle;
    }

    /** Control: ByteBuffer.put into a view of the block's memory, without Block's checks. */
    @Benchmark
    public ByteBuffer blockViewPut() {
        return blockView.put(0, src, srcOffset, size);
    }

    /**
     * Control: blockViewPut after one test of a boolean field that is never set, the cheapest check
     * there is. What it costs over blockViewPut is what any check costs in this loop.
     */
    @Benchmark
    public ByteBuffer flagThenBlockViewPut() {
        if (stop) {
            return null;
        }
        return blockView.put(0, src, srcOffset, size);
    }

    @Benchmark
    public ByteBuffer byteBufferPut() {
        return direct.put(0, src, srcOffset, size);
    }

    /** FFM (JDK 22+): MemorySegment.copy from the array into a segment over the allocateDirect buffer. */
    @Benchmark
    public Object ffmSegmentCopy() throws Throwable {
        Peers.SEGMENT_COPY_FROM_ARRAY.invokeExact((Object) src, srcOffset, directSegment, Peers.JAVA_BYTE, 0L, size);
        return directSegment;
    }

    @Benchmark
    public long unsafeCopyMemory() {
        Peers.U.copyMemory(src, Peers.BYTE_ARRAY_BASE + srcOffset, null, unsafeAddr, size);
        return unsafeAddr;
    }
}
