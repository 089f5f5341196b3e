package io.walloc.assets;

import io.walloc.Tier;
import java.util.Locale;

/**
 * What an asset is, which decides the tier it goes to when the caller names none.
 *
 * <table>
 *   <caption>Default tiers</caption>
 *   <tr><th>type</th><th>tier</th><th>why</th></tr>
 *   <tr><td>{@link #IMAGE}</td><td>{@link Tier#TOP}</td><td>textures and pixels go to the GPU: the
 *       128-byte alignment suits upload paths and SIMD decoders, and TOP is the largest tier</td></tr>
 *   <tr><td>{@link #BINARY}</td><td>{@link Tier#MIDDLE}</td><td>meshes, audio, scene data: 64-byte
 *       (cache-line) alignment</td></tr>
 *   <tr><td>{@link #JSON}</td><td>{@link Tier#BOTTOM}</td><td>text that is parsed once and then
 *       dropped: temporary data, 8-byte alignment</td></tr>
 * </table>
 *
 * <p>Thread safety: an enum; immutable.
 */
public enum AssetType {
    /** Pixels: PNG, JPEG, WebP, KTX... Default tier {@link Tier#TOP}. */
    IMAGE(Tier.TOP, "application/octet-stream"),
    /** JSON text: scene descriptions, manifests. Default tier {@link Tier#BOTTOM}. */
    JSON(Tier.BOTTOM, "application/json"),
    /** Anything else: meshes, audio, buffers. Default tier {@link Tier#MIDDLE}. */
    BINARY(Tier.MIDDLE, "application/octet-stream");

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
     * Guesses a type from a path's extension: {@code .png .jpg .jpeg .gif .webp .bmp .ktx .ktx2
     * .dds .tga .hdr .exr} are images, {@code .json} is JSON, everything else binary.
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
            case "png": case "jpg": case "jpeg": case "gif": case "webp": case "bmp": case "ktx": case "ktx2":
            case "dds": case "tga": case "hdr": case "exr":
                return IMAGE;
            case "json":
                return JSON;
            default:
                return BINARY;
        }
    }

    /**
     * Parses a type name, case-insensitively ({@code image}, {@code json}, {@code binary}).
     *
     * @param name the name
     * @return the type
     * @throws IllegalArgumentException for any other name
     */
    public static AssetType parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unknown asset type '" + name + "' (expected IMAGE, JSON or BINARY)");
        }
    }
}
