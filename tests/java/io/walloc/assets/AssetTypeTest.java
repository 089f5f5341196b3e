package io.walloc.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walloc.Tier;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The type-to-tier policy: tests/scenarios/faces/asset_types.json (read from the repository root,
 * like the other face scenarios) against {@link AssetType}.
 */
class AssetTypeTest {
    private static JsonNode table() throws IOException {
        Path f = Paths.get(System.getProperty("walloc.scenarios.dir", "tests/scenarios"), "faces", "asset_types.json");
        return new ObjectMapper().readTree(f.toFile());
    }

    @Test
    void everyListedTypeHasItsTierAndJavaKnowsNoOther() throws IOException {
        JsonNode root = table();
        Set<AssetType> listed = EnumSet.noneOf(AssetType.class);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("types").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            AssetType t = AssetType.parse(e.getKey());
            assertEquals(tier(e.getValue()), t.defaultTier(), e.getKey());
            assertEquals(t, AssetType.parse(e.getKey().toUpperCase(Locale.ROOT)), "case-insensitive: " + e.getKey());
            listed.add(t);
        }
        assertTrue(listed.size() >= 15, "types read: " + listed);
        assertEquals(EnumSet.allOf(AssetType.class), listed, "Java knows a type asset_types.json does not list");
        assertEquals(tier(root.get("unknown_type")), AssetType.BINARY.defaultTier(), "BINARY is the unknown type");
    }

    @Test
    void parseRefusesUnknownNames() {
        assertThrows(IllegalArgumentException.class, () -> AssetType.parse("video"));
        assertThrows(IllegalArgumentException.class, () -> AssetType.parse(""));
        assertThrows(IllegalArgumentException.class, () -> AssetType.parse(null));
        assertEquals(AssetType.MESH, AssetType.parse(" Mesh "));
    }

    @Test
    void guessFromExtensions() {
        assertEquals(AssetType.IMAGE, AssetType.guess("tex/wall.PNG"));
        assertEquals(AssetType.TEXTURE, AssetType.guess("tex/wall.ktx2"));
        assertEquals(AssetType.MESH, AssetType.guess("m/ship.glb"));
        assertEquals(AssetType.MESH, AssetType.guess("m/ship.gltf?v=2"));
        assertEquals(AssetType.MESH, AssetType.guess("m/ship.obj"));
        assertEquals(AssetType.AUDIO, AssetType.guess("a/boom.ogg"));
        assertEquals(AssetType.AUDIO, AssetType.guess("a/boom.wav"));
        assertEquals(AssetType.FONT, AssetType.guess("f/sans.woff2"));
        assertEquals(AssetType.SHADER, AssetType.guess("s/lit.wgsl"));
        assertEquals(AssetType.SHADER, AssetType.guess("s/lit.spv"));
        assertEquals(AssetType.TEXT, AssetType.guess("assets.txt"));
        assertEquals(AssetType.JSON, AssetType.guess("scene.json"));
        assertEquals(AssetType.BINARY, AssetType.guess("blob.bin"));
        assertEquals(AssetType.BINARY, AssetType.guess("dir.json/noext"));
        assertEquals(AssetType.BINARY, AssetType.guess(null));
    }

    private static Tier tier(JsonNode n) {
        return Tier.valueOf(n.asText().toUpperCase(Locale.ROOT));
    }
}
