package io.walloc;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JDK Flight Recorder event for each allocation a profiled instance samples
 * ({@link WallocConfig.Builder#profile(int)}), committed when a recording enables it (off by
 * default, so it costs nothing unless JFR records it): {@code jfr.enable("io.walloc.AllocationSample")}
 * in a {@link jdk.jfr.Recording}, or {@code -XX:StartFlightRecording:settings=...} with the
 * event enabled. JDK Mission Control lists the events with their stack traces (the recorder's
 * own, which show the allocator's frames as well) under "Walloc".
 *
 * <p>Needs the module {@code jdk.jfr}, which Walloc reads only when it is there ({@code requires
 * static}): on a runtime without it Walloc never loads this class, and profiles without events.
 * On the module path, a program that does not itself require {@code jdk.jfr} adds it with
 * {@code --add-modules jdk.jfr}.
 *
 * <p>Thread safety: an event object belongs to the thread that commits it.
 */
@Name("io.walloc.AllocationSample")
@Label("Walloc Allocation Sample")
@Category("Walloc")
@Description("An allocation that a Walloc profile sampled: its size, tier, handle and site")
@StackTrace(true)
public final class AllocationSample extends jdk.jfr.Event {
    @Label("Size")
    @Description("Bytes asked for")
    @DataAmount
    long size;

    @Label("Tier")
    String tier;

    @Label("Handle")
    @Description("The block's handle in its instance")
    long handle;

    @Label("Site Id")
    @Description("The site's number in the instance's profile (AllocationSite.id)")
    long siteId;

    @Label("Site")
    @Description("The site's innermost frame outside the allocator, or its name (asset:<path>)")
    String site;

    @Label("Instance")
    String instance;

    AllocationSample() {
    }
}
