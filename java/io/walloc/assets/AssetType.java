package io.walloc.assets;

import io.walloc.Tier;
import java.util.Locale;

/**
 * What an asset is, which decides the tier it goes to when the caller names none. The table is
 * the one DESIGN.md states for every face, written once in {@code tests/scenarios/faces/asset_types.json}
 * (checked by {@code AssetTypeTest}); each constant states its tier once, here.
 *
 * <table>
 *   <caption>Default tiers</caption>
 *   <tr><th>types</th><th>tier</th><th>why</th></tr>
 *   <tr><td>{@link #TEXTURE}, {@link #IMAGE}, {@link #MESH}, {@link #GEOMETRY}, {@link #SHADER},
 *       {@link #GPU}</td><td>{@link Tier#TOP}</td><td>uploaded to the GPU: the 128-byte alignment
 *       suits upload paths and SIMD decoders, and TOP is the largest tier</td></tr>
 *   <tr><td>{@link #SCENE}, {@link #JSON}, {@link #MODEL}, {@link #AUDIO}, {@link #FONT},
 *       {@link #BINARY} (anything unnamed)</td><td>{@link Tier#MIDDLE}</td><td>lives as long as the
 *       scene: 64-byte (cache-line) alignment</td></tr>
 *   <tr><td>{@link #TEMP}, {@link #SCRATCH}, {@link #TEXT}</td><td>{@link Tier#BOTTOM}</td><td>parsed
 *       or used once, then dropped: 8-byte alignment</td></tr>
 * </table>
 *
 * <p>Thread safety: an enum; immutable.
 */
public enum AssetType {
    /** GPU textures: KTX, DDS, Basis... Default tier {@link Tier#TOP}. */
    TEXTURE(Tier.TOP, "application/octet-stream"),
    /** Pixels: PNG, JPEG, WebP, BMP... Default tier {@link Tier#TOP}. */
    IMAGE(Tier.TOP, "application/octet-stream"),
    /** Meshes: glTF, GLB, OBJ, PLY... Default tier {@link Tier#TOP}. */
    MESH(Tier.TOP, "application/octet-stream"),
    /** Vertex and index buffers. Default tier {@link Tier#TOP}. */
    GEOMETRY(Tier.TOP, "application/octet-stream"),
    /** Shader sources and binaries: GLSL, WGSL, SPIR-V... Default tier {@link Tier#TOP}. */
    SHADER(Tier.TOP, "application/octet-stream"),
    /** Any other bytes bound for the GPU. Default tier {@link Tier#TOP}. */
    GPU(Tier.TOP, "application/octet-stream"),
    /** Scene descriptions. Default tier {@link Tier#MIDDLE}. */
    SCENE(Tier.MIDDLE, "application/octet-stream"),
    /** JSON text: scene descriptions, manifests. Default tier {@link Tier#MIDDLE}. */
    JSON(Tier.MIDDLE, "application/json"),
    /** Models beyond their meshes (rigs, animations, ML weights). Default tier {@link Tier#MIDDLE}. */
    MODEL(Tier.MIDDLE, "application/octet-stream"),
    /** Sound: WAV, OGG, MP3, FLAC... Default tier {@link Tier#MIDDLE}. */
    AUDIO(Tier.MIDDLE, "application/octet-stream"),
    /** Fonts: TTF, OTF, WOFF... Default tier {@link Tier#MIDDLE}. */
    FONT(Tier.MIDDLE, "application/octet-stream"),
    /** Anything else, and the type of anything unnamed. Default tier {@link Tier#MIDDLE}. */
    BINARY(Tier.MIDDLE, "application/octet-stream"),
    /** Temporary data. Default tier {@link Tier#BOTTOM}. */
    TEMP(Tier.BOTTOM, "application/octet-stream"),
    /** Per-frame scratch data. Default tier {@link Tier#BOTTOM}. */
    SCRATCH(Tier.BOTTOM, "application/octet-stream"),
    /** Text read once: manifests, logs, CSV. Default tier {@link Tier#BOTTOM}. */
    TEXT(Tier.BOTTOM, "text/plain");

    private final Tier defaultTier;
    private final String defaultContentType;

    AssetType(Tier defaultTier, String defaultContentType) {
        this.defaultTier = defaultTier;
        this.defaultContentType = defaultContentType;
    }

    /**
     * The tier an asset of this type goes to when the caller does not name one.
     *
     * @return the tier (see the class comment)
     */
    public Tier defaultTier() {
        return defaultTier;
    }

    /**
     * The content type recorded when neither the caller nor the server gives one.
     *
     * @return a MIME type
     */
    public String defaultContentType() {
        return defaultContentType;
    }

    /**
     * Guesses a type from a path's extension: images ({@code .png .jpg .jpeg .gif .webp .bmp .tga
     * .hdr .exr}), textures ({@code .ktx .ktx2 .dds .basis}), meshes ({@code .gltf .glb .obj .ply
     * .stl .fbx}), shaders ({@code .glsl .vert .frag .comp .wgsl .hlsl .spv}), audio ({@code .wav
     * .ogg .mp3 .flac .opus}), fonts ({@code .ttf .otf .woff .woff2}), text ({@code .txt .csv
     * .log}), JSON ({@code .json}); everything else binary.
     *
     * @param path a path or URL
     * @return the type, never null
     */
    public static AssetType guess(String path) {
        String p = path == null ? "" : path.toLowerCase(Locale.ROOT);
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        int dot = p.lastIndexOf('.');
        String ext = dot < 0 || dot < p.lastIndexOf('/') ? "" : p.substring(dot + 1);
        switch (ext) {
            case "png": case "jpg": case "jpeg": case "gif": case "webp": case "bmp": case "tga": case "hdr": case "exr":
                return IMAGE;
            case "ktx": case "ktx2": case "dds": case "basis":
                return TEXTURE;
            case "gltf": case "glb": case "obj": case "ply": case "stl": case "fbx":
                return MESH;
            case "glsl": case "vert": case "frag": case "comp": case "wgsl": case "hlsl": case "spv":
                return SHADER;
            case "wav": case "ogg": case "mp3": case "flac": case "opus":
                return AUDIO;
            case "ttf": case "otf": case "woff": case "woff2":
                return FONT;
            case "txt": case "csv": case "log":
                return TEXT;
            case "json":
                return JSON;
            default:
                return BINARY;
        }
    }

    /**
     * Parses a type name, case-insensitively: one of the constants' names ({@code texture},
     * {@code image}, {@code mesh}, ... {@code text}), as asset_types.json lists them.
     *
     * @param name the name
     * @return the type
     * @throws IllegalArgumentException for any other name (null included)
     */
    public static AssetType parse(String name) {
        String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
        for (AssetType t : values()) {
            if (t.name().equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown asset type '" + name + "' (expected one of "
                + java.util.Arrays.toString(values()).toLowerCase(Locale.ROOT) + ")");
    }
}
