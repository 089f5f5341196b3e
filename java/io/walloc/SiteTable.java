package io.walloc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sites of one instance's profile: each distinct stack (as {@link CallerFrames} prints it) or
 * name (an asset's {@code asset:<path>}) gets a small id, the site number the core counts its
 * samples under ({@code walloc_alloc_site}). Same frames, same id, from any thread.
 *
 * <p>A stack is looked up by its {@linkplain CallerFrames#key key} (cheap to read); a key not seen
 * before is printed and looked up by its text, so that keys that print alike share their site. Keys
 * hold classes: a profile keeps the classes of its sites loaded while its instance lives.
 *
 * <p>Bounded like the core's table ({@link WallocConfig#profileSites()}): once that many ids are
 * given out, a new site gets {@link #overflowId()}, which no site owns and which is not remembered,
 * and the core counts its samples at its own "other sites" entry (its table is full by then too;
 * should it still have room because a site's first allocation failed, the overflow id lands there
 * as a site of its own, which the snapshot folds into "other sites" as well). So memory stays
 * bounded however many stacks a program has.
 *
 * <p>Thread safety: lookups are lock-free; new ids are given out under this table's lock.
 */
final class SiteTable {
    /** What an id stands for. */
    record Site(AllocationSite.Kind kind, List<String> frames) {}

    private final int max;
    private final ConcurrentHashMap<Object, Long> ids = new ConcurrentHashMap<>(); // keys and texts -> id
    private final List<Site> sites = new ArrayList<>(); // by id; guarded by this

    /** A name's key, apart from every stack's. */
    private record Name(String name) {}

    /** A text's key, apart from every stack key and name. */
    private record Text(List<String> frames) {}

    SiteTable(int max) {
        this.max = max;
    }

    /** The id of a stack. */
    long stack(CallerFrames frames) {
        List<Object> key = frames.key();
        Long id = ids.get(key);
        return id != null ? id : add(key, AllocationSite.Kind.STACK, frames.text());
    }

    /** The id of a named site (its single frame is the name). */
    long named(String name) {
        Name key = new Name(name);
        Long id = ids.get(key);
        return id != null ? id : add(key, AllocationSite.Kind.NAMED, List.of(name));
    }

    /* A key not seen before: the id of its text, or a new one (the overflow id when full). */
    private synchronized long add(Object key, AllocationSite.Kind kind, List<String> text) {
        Long id = ids.get(key);
        if (id == null) {
            id = kind == AllocationSite.Kind.STACK ? ids.get(new Text(text)) : null;
            if (id == null) {
                if (sites.size() == max) {
                    return overflowId();
                }
                id = (long) sites.size();
                sites.add(new Site(kind, text));
                if (kind == AllocationSite.Kind.STACK) {
                    ids.put(new Text(text), id);
                }
            }
            ids.put(key, id);
        }
        return id;
    }

    /** The id a site gets once the table is full: owned by no site, counted as "other sites". */
    long overflowId() {
        return max;
    }

    /** What id stands for, or null for the overflow id (and anything else no site owns). */
    synchronized Site site(long id) {
        return id >= 0 && id < sites.size() ? sites.get((int) id) : null;
    }

    /** Ids given out so far. */
    synchronized int size() {
        return sites.size();
    }
}
