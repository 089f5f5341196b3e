package io.walloc.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import sun.misc.Unsafe;

/** Access to the peers that need reflection: sun.misc.Unsafe, and FFM (JDK 22+) through method handles. */
public final class Peers {
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

    /**
     * An FFM critical downcall handle of a JNI function of the loaded walloc library, with its
     * JNIEnv and jclass bound to NULL: {@code (long w, long, int) long} for alloc's shape, else
     * {@code (long w, long, long) int} for free's. Null before JDK 22. The symbol is found by the
     * class loader that loaded the library (the benchmarks' own), after a Walloc was created.
     */
    public static MethodHandle criticalDowncall(String symbol, boolean allocShape) {
        try {
            Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
            Class<?> lookupC = Class.forName("java.lang.foreign.SymbolLookup");
            Class<?> segmentC = Class.forName("java.lang.foreign.MemorySegment");
            Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
            Class<?> valueLayoutC = Class.forName("java.lang.foreign.ValueLayout");
            Class<?> descC = Class.forName("java.lang.foreign.FunctionDescriptor");
            Class<?> optionC = Class.forName("java.lang.foreign.Linker$Option");
            Object linker = linkerC.getMethod("nativeLinker").invoke(null);
            Object lookup = lookupC.getMethod("loaderLookup").invoke(null);
            Object address = ((java.util.Optional<?>) lookupC.getMethod("find", String.class).invoke(lookup, symbol))
                    .orElseThrow(() -> new IllegalStateException(symbol + " not found"));
            Object ptr = valueLayoutC.getField("ADDRESS").get(null);
            Object jlong = valueLayoutC.getField("JAVA_LONG").get(null);
            Object jint = valueLayoutC.getField("JAVA_INT").get(null);
            Object args = java.lang.reflect.Array.newInstance(layoutC, 5);
            Object[] a = {ptr, ptr, jlong, jlong, allocShape ? jint : jlong};
            for (int i = 0; i < 5; i++) {
                java.lang.reflect.Array.set(args, i, a[i]);
            }
            Object desc = descC.getMethod("of", layoutC, args.getClass()).invoke(null, allocShape ? jlong : jint, args);
            Object options = java.lang.reflect.Array.newInstance(optionC, 1);
            java.lang.reflect.Array.set(options, 0, optionC.getMethod("critical", boolean.class).invoke(null, false));
            MethodHandle mh = (MethodHandle) linkerC.getMethod("downcallHandle", segmentC, descC, options.getClass())
                    .invoke(linker, address, desc, options);
            Object nul = segmentC.getField("NULL").get(null);
            return MethodHandles.insertArguments(mh, 0, nul, nul);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // before JDK 22 (the ffm benchmarks are not run there)
        }
    }

    static boolean hasFfm() {
        return ARENA_OF_CONFINED != null && Runtime.version().feature() >= 22;
    }
}
