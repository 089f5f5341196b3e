package io.walloc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One instance's allocation profile, on the Java side ({@link WallocConfig.Builder#profile(int)}).
 * The core keeps the counts: a profile of {@link WallocConfig#profileSites()} sites that samples
 * nothing itself ({@code profile_rate} 0). Java decides which allocations are samples
 * ({@link Sampler}: the core's own sampling would name the JNI glue as every site), names each
 * sample's site ({@link CallerFrames}, interned by {@link SiteTable}, or a name), and allocates it
 * with {@code walloc_alloc_site}, which records it; frees, resets and compactions take samples
 * off their sites in the core. Unsampled allocations go the usual way (the thread cache, or the
 * core's fast path). {@link SampledPages} keeps samples out of the thread cache's bins.
 *
 * <p>{@link Walloc} holds this in a final field that is null without a profile, so an instance
 * without one pays a null check per allocation and per free into the thread cache.
 *
 * <p>Thread safety: every method may be called from any thread; {@link #read} inside the gate.
 */
final class Profiler {
    /** Whether JFR events can be committed: jdk.jfr is in the runtime and readable by Walloc.
     *  Decided without naming a jdk.jfr type, so that this class loads without the module. */
    private static final boolean JFR = jfrReadable();

    private static final System.Logger LOG = System.getLogger("io.walloc");

    private final String instance;
    private final int rate;
    private final int depth;
    private final Sampler sampler;
    private final SiteTable sites;
    private final SampledPages pages; // null without a thread cache: no bin to keep samples out of
    private final Consumer<LeakReport> listener;

    /** For instance (its name in reports) made from config, whose handles lie in [0, regionBytes). */
    Profiler(String instance, WallocConfig config, long regionBytes) {
        this.instance = instance;
        this.rate = config.profileRate();
        this.depth = config.profileDepth();
        this.sampler = new Sampler(rate);
        this.sites = new SiteTable(config.profileSites());
        this.pages = config.threadCache() ? new SampledPages(regionBytes) : null;
        this.listener = config.leakListener();
    }

    /** Whether samples can be JFR events here (SelfCheck says so). */
    static boolean jfrEvents() {
        return JFR;
    }

    private static boolean jfrReadable() {
        Optional<Module> jfr = ModuleLayer.boot().findModule("jdk.jfr");
        return jfr.isPresent() && Profiler.class.getModule().canRead(jfr.get());
    }

    /** Which allocations are samples (Walloc asks it directly on every allocation). */
    Sampler sampler() {
        return sampler;
    }

    /** The site of a sample the calling thread is allocating: its stack above the allocator. */
    long callerSite() {
        return sites.stack(CallerFrames.caller(depth));
    }

    /** The site of a block allocated under a name. */
    long namedSite(String name) {
        return sites.named(name);
    }

    /** The pages that hold samples, for the thread cache; null when the instance has no cache. */
    SampledPages pages() {
        return pages;
    }

    /** Inside the gate: the core just handed out h as a sample. */
    void recorded(long h) {
        if (pages != null) {
            pages.mark(h);
        }
    }

    /** After the gate: a sample of size bytes at h in tier, of site, was allocated. */
    void allocated(long h, long size, Tier tier, long site) {
        if (JFR) {
            JfrSamples.commit(this, h, size, tier, site);
        }
    }

    /** Inside an exclusive section: a reset or compaction released the handles in [from, to). */
    void released(long from, long to) {
        if (pages != null) {
            pages.clear(from, to);
        }
    }

    /** A site's one-line label (its innermost frame, or its name). */
    String label(long site) {
        SiteTable.Site s = sites.site(site);
        return s == null ? AllocationSite.OTHER_LABEL : AllocationSite.label(s.frames());
    }

    /** The instance's name in reports and events. */
    String instance() {
        return instance;
    }

    /**
     * The core's profile of w as a snapshot. The caller is inside the gate, or holds it shut
     * (close): the core must not be destroyed meanwhile.
     */
    ProfileSnapshot read(long w) {
        int capacity = sites.size() + 2; // the core's sites are ours, plus the overflow id and "other sites"
        for (;;) {
            long[] out = new long[capacity * WallocNative.PROFILE_SITE_LONGS];
            long[] info = new long[5];
            int n = WallocNative.profileSnapshot(w, out, capacity, info);
            if (n < 0) {
                throw Errors.error(-n, "profile of " + instance, Walloc.NULL, null, 0);
            }
            if (n <= capacity) {
                return snapshot(out, n, info);
            }
            capacity = n; // sites were added since we counted ours
        }
    }

    /* The snapshot of n sites in the core's layout. Ids no key owns (the core's other sites, or
     * our overflow id where the core still had room for it) become one "other sites" entry. */
    private ProfileSnapshot snapshot(long[] out, int n, long[] info) {
        List<AllocationSite> list = new ArrayList<>(n);
        AllocationSite.Counts[] other = {AllocationSite.Counts.NONE, AllocationSite.Counts.NONE, AllocationSite.Counts.NONE};
        boolean anyOther = false;
        long overflow = info[3];
        for (int i = 0; i < n; i++) {
            int o = i * WallocNative.PROFILE_SITE_LONGS;
            long id = out[o];
            AllocationSite.Counts[] c = new AllocationSite.Counts[3];
            for (int t = 0; t < 3; t++) {
                c[t] = new AllocationSite.Counts(out[o + 1 + t], out[o + 4 + t], out[o + 7 + t]);
            }
            SiteTable.Site s = id == AllocationSite.OTHER_ID ? null : sites.site(id);
            if (s != null) {
                list.add(new AllocationSite(id, s.kind(), s.frames(), byTier(c)));
                continue;
            }
            anyOther = true;
            for (int t = 0; t < 3; t++) {
                other[t] = other[t].plus(c[t]);
                if (id != AllocationSite.OTHER_ID) {
                    overflow += c[t].allocations(); // the core recorded them, but under no site of ours
                }
            }
        }
        list.sort(Comparator.comparingLong(AllocationSite::id));
        if (anyOther) {
            list.add(new AllocationSite(AllocationSite.OTHER_ID, AllocationSite.Kind.OTHER,
                    List.of(AllocationSite.OTHER_LABEL), byTier(other)));
        }
        return new ProfileSnapshot(rate, (int) info[1], overflow, info[4], list);
    }

    private static Map<Tier, AllocationSite.Counts> byTier(AllocationSite.Counts[] c) {
        Map<Tier, AllocationSite.Counts> m = new EnumMap<>(Tier.class);
        for (Tier t : Tier.values()) {
            m.put(t, c[t.code()]);
        }
        return m;
    }

    /**
     * Close, with the gate shut and the core not yet destroyed: the last snapshot, or null when it
     * cannot be taken (logged: a close never fails for its report).
     */
    ProfileSnapshot last(long w) {
        try {
            return read(w);
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.log(System.Logger.Level.WARNING, instance + ": no leak report, the profile could not be read at close", e);
            return null;
        }
    }

    /** After close: the sampled blocks still live in the last snapshot, if any, to the listener. */
    void reportLeaks(ProfileSnapshot last) {
        LeakReport r = LeakReport.of(instance, last);
        if (r == null) {
            return;
        }
        try {
            listener.accept(r);
        } catch (Throwable e) { // checked ones too: Kotlin, Scala and Lombok code throw them undeclared
            LOG.log(System.Logger.Level.WARNING, instance + ": the leak listener threw; ignored. The report was:\n"
                    + r.text(), e);
        }
    }
}
