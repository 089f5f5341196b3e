package io.walloc;

/**
 * Commits {@link AllocationSample} events. The only class the profile calls that names a jdk.jfr
 * type, and it calls it only when {@link Profiler} found jdk.jfr readable, so that Walloc runs on
 * a runtime without that module.
 *
 * <p>Thread safety: stateless.
 */
final class JfrSamples {
    private JfrSamples() {}

    /** Commits an event for a sample, when a recording enables it. */
    static void commit(Profiler p, long handle, long size, Tier tier, long site) {
        AllocationSample e = new AllocationSample();
        if (e.shouldCommit()) {
            e.size = size;
            e.tier = tier.name();
            e.handle = handle;
            e.siteId = site;
            e.site = p.label(site);
            e.instance = p.instance();
            e.commit();
        }
    }
}
