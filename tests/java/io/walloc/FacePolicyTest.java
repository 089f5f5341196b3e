package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The facts and the policy the Java face takes from one place (issue 21): the default tier from
 * tests/scenarios/faces/asset_types.json, the statistics' names and figures from the core.
 */
class FacePolicyTest extends WallocTestBase {

    @Test
    void allocateWithoutATierGoesWhereTheScenarioSays() throws IOException {
        JsonNode spec = new ObjectMapper().readTree(ScenarioTest.dir().resolve("faces").resolve("asset_types.json").toFile());
        JsonNode want = spec.get("allocate_default");
        assertNotNull(want, "asset_types.json has allocate_default");
        Tier tier = Tier.valueOf(want.asText().toUpperCase(Locale.ROOT));
        assertEquals(tier, Walloc.DEFAULT_TIER);
        for (boolean checked : new boolean[] {true, false}) {
            Walloc w = open(8L << 20, checked);
            long h = w.allocate(100);
            assertEquals(tier, w.tierOf(h));
            try (Block b = w.allocateBlock(100)) {
                assertEquals(tier, b.tier());
                assertEquals(tier, w.tierOf(b.handle()));
            }
            w.free(h, 100);
        }
    }

    /* A record component's name as the core spells its field: liveBytes -> live_bytes. */
    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    @Test
    void everyStatisticIsTheCoresFieldOfThatName() throws ReflectiveOperationException {
        Set<String> mine = new HashSet<>();
        for (RecordComponent c : TierStats.class.getRecordComponents()) {
            if (!c.getName().equals("tier") && !c.getName().equals("unclosedBlocksFreed")) {
                mine.add(snake(c.getName()));
            }
        }
        Set<String> core = new HashSet<>(Arrays.asList(WallocNative.statsFields()));
        assertEquals(TierStats.SLOTS, core.size(), "field names are distinct");
        assertEquals(core, mine, "TierStats's figures and the core's fields, by name");

        Walloc w = open(WallocConfig.builder().capacity(8L << 20).threadCache(false).build());
        long a = w.allocate(1000, Tier.MIDDLE);
        long b = w.allocate(70, Tier.MIDDLE);
        w.free(a, 1000);
        assertEquals(Walloc.NULL, w.tryAllocate(w.capacity(Tier.MIDDLE), Tier.MIDDLE), "a failed allocation to count");
        for (Tier t : Tier.values()) {
            TierStats s = w.tierStats(t);
            long[] v = new long[TierStats.SLOTS];
            assertEquals(0, WallocNative.tierStats(w.nativeInstance(), t.code(), v));
            String[] names = WallocNative.statsFields();
            for (RecordComponent c : TierStats.class.getRecordComponents()) {
                String n = snake(c.getName());
                int i = Arrays.asList(names).indexOf(n);
                if (i < 0) {
                    continue;
                }
                long got = ((Number) c.getAccessor().invoke(s)).longValue();
                assertEquals(v[i], got, t + " " + c.getName() + " is the core's " + n);
            }
        }
        assertEquals(1, w.tierStats(Tier.MIDDLE).liveBlocks());
        assertTrue(w.tierStats(Tier.MIDDLE).failedAllocs() >= 1);
        w.free(b, 70);
    }
}
