package io.walloc.assets;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * The address of a direct buffer's position, so the registry can tell a buffer that already lies
 * inside its instance. The façade has no call for it (see the report: a {@code Walloc.handleOf(ByteBuffer)}
 * through JNI's GetDirectBufferAddress would replace this class). JDK 22+: the FFM API
 * ({@code MemorySegment.ofBuffer(b).address()}, called reflectively since the code is compiled for
 * Java 17). JDK 17-21: {@code sun.misc.Unsafe} reads {@code Buffer.address}. When neither works,
 * {@link #of} returns -1 and the registry copies instead.
 */
final class DirectAddress {
    private static final MethodHandle OF_BUFFER;
    private static final MethodHandle ADDRESS;
    private static final MethodHandle GET_LONG;
    private static final Object UNSAFE;
    private static final long ADDRESS_OFFSET;

    static {
        MethodHandle ofBuffer = null;
        MethodHandle address = null;
        MethodHandle getLong = null;
        Object unsafe = null;
        long offset = -1;
        MethodHandles.Lookup l = MethodHandles.publicLookup();
        if (Runtime.version().feature() >= 22) {
            try {
                Class<?> seg = Class.forName("java.lang.foreign.MemorySegment");
                ofBuffer = l.findStatic(seg, "ofBuffer", MethodType.methodType(seg, Buffer.class));
                address = l.findVirtual(seg, "address", MethodType.methodType(long.class));
            } catch (ReflectiveOperationException | RuntimeException e) {
                ofBuffer = null;
                address = null;
            }
        }
        if (ofBuffer == null) {
            try {
                Class<?> uc = Class.forName("sun.misc.Unsafe");
                Field f = uc.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                unsafe = f.get(null);
                Field a = Buffer.class.getDeclaredField("address");
                offset = (long) uc.getMethod("objectFieldOffset", Field.class).invoke(unsafe, a);
                getLong = l.findVirtual(uc, "getLong", MethodType.methodType(long.class, Object.class, long.class));
            } catch (ReflectiveOperationException | RuntimeException e) {
                unsafe = null;
                getLong = null;
            }
        }
        OF_BUFFER = ofBuffer;
        ADDRESS = address;
        GET_LONG = getLong;
        UNSAFE = unsafe;
        ADDRESS_OFFSET = offset;
    }

    private DirectAddress() {}

    static boolean available() {
        return OF_BUFFER != null || GET_LONG != null;
    }

    /** The address of {@code b}'s position, or -1 when b is not direct or the address is unknown. */
    static long of(ByteBuffer b) {
        if (b == null || !b.isDirect()) {
            return -1;
        }
        try {
            if (OF_BUFFER != null) {
                return (long) ADDRESS.invoke(OF_BUFFER.invoke(b));
            }
            if (GET_LONG != null) {
                long a = (long) GET_LONG.invoke(UNSAFE, b, ADDRESS_OFFSET);
                return a == 0 ? -1 : a + b.position();
            }
        } catch (Throwable e) {
            return -1;
        }
        return -1;
    }
}
