package io.walloc;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JDK Flight Recorder event for each allocation a profiled instance samples
 * ({@link WallocConfig.Builder#profile(int)}): its size, tier, handle and site, with the
 * recorder's stack trace (which shows the allocator's frames as well). Committed only while a
 * recording runs that does not disable it: like every program's event it is enabled by default,
 * so JDK Mission Control shows it (under "Walloc") in any recording, e.g. one started with
 * {@code -XX:StartFlightRecording}; {@code jfr configure} or {@link jdk.jfr.Recording#disable(String)}
 * with {@code "io.walloc.AllocationSample"} turns it off. Without a recording it costs a sample a
 * check of {@link jdk.jfr.Event#shouldCommit()}.
 *
 * <p>Needs the module {@code jdk.jfr}, which Walloc reads only when it is there ({@code requires
 * static}): on a runtime without it Walloc never loads this class, and profiles without events.
 * On the module path a full JDK resolves it anyway (its service binding brings in
 * jdk.management.jfr, which requires it); in a runtime image that leaves it out, add it with
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
