package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JFR event of a sampled allocation (io.walloc.AllocationSample): committed for every sample
 * while a recording enables it, with the sample's size, tier, handle and site and the recorder's
 * stack trace, by every recording that does not disable it (JFR enables events of programs by
 * default); none in one that disables it.
 */
class AllocationSampleEventTest extends WallocTestBase {
    private static final String EVENT = "io.walloc.AllocationSample";

    @TempDir
    Path tmp;

    /* The allocation the events must name. */
    private static long allocateForTheRecording(Walloc w) {
        return w.allocate(64, Tier.BOTTOM);
    }

    private List<RecordedEvent> record(boolean enable, Walloc w, int n) throws Exception {
        Path file = tmp.resolve("walloc-" + enable + ".jfr");
        try (Recording r = new Recording()) {
            if (enable) {
                r.enable(EVENT).withStackTrace();
            } else {
                r.disable(EVENT);
            }
            r.start();
            for (int i = 0; i < n; i++) {
                long h = allocateForTheRecording(w);
                w.free(h, 64);
            }
            w.allocateBlock(5000, Tier.TOP, "asset:a.png").close();
            r.stop();
            r.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream().filter(e -> e.getEventType().getName().equals(EVENT)).toList();
    }

    @Test
    void everySampleIsAnEventWhileARecordingEnablesIt() throws Exception {
        Walloc w = open(WallocConfig.builder().capacity(8L << 20).profile(1).build());
        List<RecordedEvent> events = record(true, w, 20);
        assertEquals(21, events.size());
        RecordedEvent e = events.get(0);
        assertEquals(64, e.getLong("size"));
        assertEquals("BOTTOM", e.getString("tier"));
        assertTrue(e.getString("site").contains("AllocationSampleEventTest.allocateForTheRecording("), e.getString("site"));
        assertTrue(e.getString("instance").startsWith("Walloc#"), e.getString("instance"));
        assertNotNull(e.getStackTrace(), "the recorder's own stack trace");
        assertTrue(e.getStackTrace().getFrames().stream().map(RecordedFrame::getMethod)
                .anyMatch(m -> m.getName().equals("allocateForTheRecording")), e.toString());
        long site = e.getLong("siteId");
        assertTrue(events.subList(0, 20).stream().allMatch(x -> x.getLong("siteId") == site));
        RecordedEvent named = events.get(20);
        assertEquals("asset:a.png", named.getString("site"));
        assertEquals("TOP", named.getString("tier"));
        assertEquals(5000, named.getLong("size"));
    }

    @Test
    void noEventWhenTheRecordingDisablesIt() throws Exception {
        Walloc w = open(WallocConfig.builder().capacity(8L << 20).profile(1).build());
        assertEquals(0, record(false, w, 20).size());
        Walloc rare = open(WallocConfig.builder().capacity(8L << 20).profile(Integer.MAX_VALUE).build());
        assertEquals(1, record(true, rare, 20).size(), "no stack sampled at that rate: the named block alone");
    }
}
