package io.walloc.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import sun.misc.Unsafe;

/** Access to the peers that need reflection: sun.misc.Unsafe, and FFM (JDK 22+) through method handles. */
final class Peers {
    private Peers() {}

    static final Unsafe U;

    static {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            U = (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final long BYTE_ARRAY_BASE = U.arrayBaseOffset(byte[].class);

    private static final long BUFFER_ADDRESS;

    static {
        try {
            BUFFER_ADDRESS = U.objectFieldOffset(java.nio.Buffer.class.getDeclaredField("address"));
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The native address of a direct buffer's first byte. */
    static long address(ByteBuffer direct) {
        return U.getLong(direct, BUFFER_ADDRESS);
    }

    /**
     * Where the first element of a byte[] lies in its page (address modulo 4096), from the array's
     * reference as the VM stores it (read through Unsafe; compressed references are decoded with
     * the shift measured from two arrays allocated back to back; a heap base, if any, is page
     * aligned). The write benchmarks use it to place their source at a chosen distance from the
     * destinations, which the allocator would otherwise decide differently in every fork.
     */
    static int dataPageOffset(byte[] a) {
        long base = U.arrayBaseOffset(byte[].class);
        if (U.arrayIndexScale(Object[].class) == 8) {
            return (int) ((reference(a) + base) & 4095);
        }
        for (;;) { // two long[2] of 32 bytes each, back to back in the thread's allocation buffer
            long[] x = new long[2];
            long[] y = new long[2];
            long step = reference(y) - reference(x);
            if (step == 32 || step == 4) { // unscaled or shifted by 3; else a buffer boundary: retry
                int shift = Long.numberOfTrailingZeros(32 / step);
                return (int) (((reference(a) << shift) + base) & 4095);
            }
        }
    }

    private static final long OBJECT_ARRAY_BASE = U.arrayBaseOffset(Object[].class);

    private static long reference(Object o) {
        Object[] box = {o};
        return U.arrayIndexScale(Object[].class) == 8 ? U.getLong(box, OBJECT_ARRAY_BASE)
                : U.getInt(box, OBJECT_ARRAY_BASE) & 0xFFFFFFFFL;
    }

    static void freeDirect(ByteBuffer b) {
        U.invokeCleaner(b);
    }

    /** Arena.ofConfined(), Arena.ofShared(), arena.allocate(size, align), arena.close(); null handles before JDK 22. */
    static final MethodHandle ARENA_OF_CONFINED;
    static final MethodHandle ARENA_OF_SHARED;
    static final MethodHandle ARENA_ALLOCATE;
    static final MethodHandle ARENA_CLOSE;

    /** SegmentAllocator.slicingAllocator(segment) and allocator.allocate(size, align), with segments and
     *  allocators as Object; null before JDK 22. */
    static final MethodHandle SLICING_ALLOCATOR;
    static final MethodHandle ALLOCATOR_ALLOCATE;

    /** MemorySegment.ofBuffer(buffer) as (ByteBuffer)Object, and MemorySegment.copy(srcArray, srcIndex,
     *  dstSegment, dstLayout, dstOffset, elementCount) with the segment and layout as Object; null before JDK 22. */
    static final MethodHandle SEGMENT_OF_BUFFER;
    static final MethodHandle SEGMENT_COPY_FROM_ARRAY;
    static final Object JAVA_BYTE; // ValueLayout.JAVA_BYTE

    static {
        MethodHandle ofConfined = null;
        MethodHandle ofShared = null;
        MethodHandle allocate = null;
        MethodHandle close = null;
        MethodHandle slicing = null;
        MethodHandle allocatorAllocate = null;
        MethodHandle ofBuffer = null;
        MethodHandle copy = null;
        Object javaByte = null;
        try {
            Class<?> arena = Class.forName("java.lang.foreign.Arena");
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            Class<?> layout = Class.forName("java.lang.foreign.ValueLayout");
            Class<?> allocator = Class.forName("java.lang.foreign.SegmentAllocator");
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            ofConfined = l.findStatic(arena, "ofConfined", MethodType.methodType(arena))
                    .asType(MethodType.methodType(Object.class));
            ofShared = l.findStatic(arena, "ofShared", MethodType.methodType(arena))
                    .asType(MethodType.methodType(Object.class));
            allocate = l.findVirtual(arena, "allocate", MethodType.methodType(segment, long.class, long.class))
                    .asType(MethodType.methodType(Object.class, Object.class, long.class, long.class));
            close = l.findVirtual(arena, "close", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            slicing = l.findStatic(allocator, "slicingAllocator", MethodType.methodType(allocator, segment))
                    .asType(MethodType.methodType(Object.class, Object.class));
            allocatorAllocate = l.findVirtual(allocator, "allocate",
                            MethodType.methodType(segment, long.class, long.class))
                    .asType(MethodType.methodType(Object.class, Object.class, long.class, long.class));
            ofBuffer = l.findStatic(segment, "ofBuffer", MethodType.methodType(segment, java.nio.Buffer.class))
                    .asType(MethodType.methodType(Object.class, ByteBuffer.class));
            copy = l.findStatic(segment, "copy", MethodType.methodType(void.class, Object.class, int.class, segment,
                            layout, long.class, int.class))
                    .asType(MethodType.methodType(void.class, Object.class, int.class, Object.class, Object.class,
                            long.class, int.class));
            javaByte = layout.getField("JAVA_BYTE").get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // JDK 17: FFM is not final; the FFM benchmarks are skipped
        }
        ARENA_OF_CONFINED = ofConfined;
        ARENA_OF_SHARED = ofShared;
        ARENA_ALLOCATE = allocate;
        ARENA_CLOSE = close;
        SLICING_ALLOCATOR = slicing;
        ALLOCATOR_ALLOCATE = allocatorAllocate;
        SEGMENT_OF_BUFFER = ofBuffer;
        SEGMENT_COPY_FROM_ARRAY = copy;
        JAVA_BYTE = javaByte;
    }

    static boolean hasFfm() {
        return ARENA_OF_CONFINED != null && Runtime.version().feature() >= 22;
    }
}
