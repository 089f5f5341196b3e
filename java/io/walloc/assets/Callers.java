package io.walloc.assets;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The callers sharing one {@link LoadTask}: each one's future and listener (null for a caller
 * without one), in the order they joined.
 *
 * <p>Not thread-safe: the task calls it under its monitor, except {@link #ended}.
 */
final class Callers {
    private final Map<LoadFuture, LoadTask.Listener> byFuture = new LinkedHashMap<>();

    void add(LoadFuture f, LoadTask.Listener l) {
        byFuture.put(f, l);
    }

    boolean contains(LoadFuture f) {
        return byFuture.containsKey(f);
    }

    /** Removes f's caller; its listener, or null. */
    LoadTask.Listener remove(LoadFuture f) {
        return byFuture.remove(f);
    }

    boolean isEmpty() {
        return byFuture.isEmpty();
    }

    /** The listeners of the callers still here (a snapshot). */
    List<LoadTask.Listener> listeners() {
        List<LoadTask.Listener> ls = new ArrayList<>(byFuture.size());
        for (LoadTask.Listener l : byFuture.values()) {
            if (l != null) {
                ls.add(l);
            }
        }
        return ls;
    }

    /** Claims the futures of the callers still waiting (see {@link LoadFuture#claim}). */
    List<LoadFuture> claim() {
        List<LoadFuture> fs = new ArrayList<>(byFuture.size());
        for (LoadFuture f : byFuture.keySet()) {
            if (f.claim()) {
                fs.add(f);
            }
        }
        return fs;
    }

    /** Tells every listener the body's length (a listener may make a caller leave meanwhile). */
    void length(long total) {
        for (LoadTask.Listener l : listeners()) {
            l.length(total);
        }
    }

    /** Tells every listener n more bytes arrived (a listener may make a caller leave meanwhile). */
    void bytes(long n) {
        for (LoadTask.Listener l : listeners()) {
            l.bytes(n);
        }
    }

    /** Tells each of ls the request is over for it; with no lock held. */
    static void ended(List<LoadTask.Listener> ls) {
        for (LoadTask.Listener l : ls) {
            l.ended();
        }
    }
}
