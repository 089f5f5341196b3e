package io.walloc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The façade's own guarantees under fire: the rounds of {@link NeverCrashTest} (a million random
 * calls with hostile sizes, tiers, arrays, offsets and handles on four threads, close in the middle
 * of each round, resets and compactions) without raw frees and writes through hostile handles, so
 * the core's own state stays consistent and failures point at the façade (gate, close, reset
 * exclusion, Block checks). Every outcome must be a documented result or exception.
 */
class CloseRaceTest {
    @Test
    @Timeout(300)
    void millionCallsWithCloseInTheMiddle() throws Exception {
        Map<String, AtomicLong> outcomes = NeverCrashTest.runRounds(Set.of(4, 5, 8, 9, 10, 16));
        assertTrue(outcomes.get("ok").get() > 100_000, outcomes.toString());
    }
}
