package io.walloc;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Allocate and free as FFM critical downcalls (JDK 22+; the jar's base holds the JNI-only version):
 * {@code walloc_ffm_alloc} and {@code walloc_ffm_free} of the JNI library, the same gated calls
 * without JNI's thread-state transitions. A critical downcall keeps its thread from reaching a
 * safepoint while it runs, so those functions never wait: when the call gate is shut (a reset,
 * compaction or close under way) or the thread has no gate slot yet, they answer {@link #BUSY}
 * and the JNI call is made instead, which waits in native state and answers for closed instances.
 * Where the downcalls cannot be made (native access denied to this module), JNI is used throughout.
 */
final class CoreCalls {
    /** walloc_ffm_*: the call was not made. */
    private static final long BUSY = -2;

    private static final MethodHandle ALLOC;
    private static final MethodHandle FREE;

    static {
        NativeLoader.load(); // the lookup below finds only a library already loaded (a test may come here first)
        MethodHandle alloc = null;
        MethodHandle free = null;
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup lib = SymbolLookup.loaderLookup(); // NativeLoader loaded it with this class's loader
            Linker.Option critical = Linker.Option.critical(false);
            alloc = linker.downcallHandle(lib.find("walloc_ffm_alloc").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT), critical);
            free = linker.downcallHandle(lib.find("walloc_ffm_free").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG), critical);
        } catch (RuntimeException noDowncalls) { // IllegalCallerException, NoSuchElementException...
            alloc = null;
            free = null;
        }
        ALLOC = alloc;
        FREE = free;
    }

    private CoreCalls() {
    }

    static long alloc(long w, long size, int tier) {
        if (ALLOC != null) {
            long h;
            try {
                h = (long) ALLOC.invokeExact(w, size, tier);
            } catch (Throwable t) {
                throw new AssertionError(t); // a downcall of this shape throws nothing
            }
            if (h != BUSY) {
                return h;
            }
        }
        return WallocNative.alloc(w, size, tier);
    }

    static int free(long w, long handle, long size) {
        if (FREE != null) {
            int st;
            try {
                st = (int) FREE.invokeExact(w, handle, size);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (st != BUSY) {
                return st;
            }
        }
        return WallocNative.free(w, handle, size);
    }

    /** Whether the calls are FFM downcalls (for tests and reports). */
    static boolean downcalls() {
        return ALLOC != null;
    }
}
