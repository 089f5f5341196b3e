package io.walloc;

import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * The stack of a sampled allocation, as the profile names its site: the frames of whoever called
 * the allocator, innermost first, without the allocator's own. "The allocator's own" are the
 * classes of packages {@code io.walloc} and {@code io.walloc.assets} loaded from Walloc's jar
 * (or classes directory): a program's classes in a package of the same name (tests, say) are
 * the program's, and so is the demo ({@code io.walloc.demo}), which uses the library like any
 * program. Reflection and hidden frames are not shown (StackWalker's default).
 *
 * <p>Cost: the walk is most of a sample's cost, about half of it the walk's fixed cost, whatever
 * the depth (bench/java/RESULTS.md, "Design measurements", and ProfileBench). So a walk reads no more than it must: each frame's
 * class, method name and bytecode index ({@link #key}), which identify a stack; file names and
 * line numbers, which cost as much again, are read only for a stack not seen before
 * ({@link #text}).
 *
 * <p>Thread safety: {@link #caller} walks the calling thread's stack; the result belongs to the
 * caller. The filter's per-class answer is cached in a {@link ClassValue}.
 */
final class CallerFrames {
    private static final StackWalker WALKER = StackWalker.getInstance(EnumSet.of(StackWalker.Option.RETAIN_CLASS_REFERENCE),
            16); // a first batch that holds the allocator's frames and the default depth
    private static final String HOME = origin(Walloc.class);

    private static final ClassValue<Boolean> ALLOCATOR = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            String p = c.getPackageName();
            return (p.equals("io.walloc") || p.equals("io.walloc.assets")) && c.getClassLoader() == Walloc.class.getClassLoader()
                    && Objects.equals(origin(c), HOME);
        }
    };

    private final List<StackWalker.StackFrame> frames;

    private CallerFrames(List<StackWalker.StackFrame> frames) {
        this.frames = frames;
    }

    /** The calling thread's stack above the allocator: at most depth frames, innermost first. */
    static CallerFrames caller(int depth) {
        return WALKER.walk(s -> {
            List<StackWalker.StackFrame> kept = new ArrayList<>(depth);
            for (Iterator<StackWalker.StackFrame> it = s.iterator(); it.hasNext() && kept.size() < depth;) {
                StackWalker.StackFrame f = it.next();
                if (!kept.isEmpty() || !ALLOCATOR.get(f.getDeclaringClass())) { // the allocator's own frames lead
                    kept.add(f);
                }
            }
            return new CallerFrames(kept);
        });
    }

    /**
     * What identifies the stack: each frame's class, method name and bytecode index. Two stacks
     * with equal keys print alike; stacks that print alike may still differ in keys (two calls on
     * one line), which {@link SiteTable} maps to one site by their {@link #text}.
     */
    List<Object> key() {
        Object[] k = new Object[frames.size() * 3];
        for (int i = 0; i < frames.size(); i++) {
            StackWalker.StackFrame f = frames.get(i);
            k[3 * i] = f.getDeclaringClass();
            k[3 * i + 1] = f.getMethodName();
            k[3 * i + 2] = f.getByteCodeIndex();
        }
        return List.of(k);
    }

    /** The frames as people read them: {@code class.method(File.java:line)}, innermost first. */
    List<String> text() {
        List<String> t = new ArrayList<>(frames.size());
        for (StackWalker.StackFrame f : frames) {
            String file = f.getFileName();
            int line = f.getLineNumber();
            t.add(f.getClassName() + "." + f.getMethodName() + "("
                    + (file == null ? "Unknown Source" : line >= 0 ? file + ":" + line : file) + ")");
        }
        return List.copyOf(t);
    }

    /* Where a class was loaded from (its jar or directory), or null when the JVM does not say. */
    private static String origin(Class<?> c) {
        ProtectionDomain d = c.getProtectionDomain();
        CodeSource s = d == null ? null : d.getCodeSource();
        return s == null || s.getLocation() == null ? null : s.getLocation().toString();
    }
}
