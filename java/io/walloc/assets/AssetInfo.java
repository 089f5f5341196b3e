package io.walloc.assets;

import io.walloc.Tier;
import java.net.URI;
import java.util.Objects;

/**
 * What the caller says about an asset when registering it: its type, the tier to put it in, its
 * content type and where it came from. The registry adds size, handle and times.
 *
 * <p>Thread safety: an immutable record.
 *
 * @param type the asset type
 * @param tier the tier; {@code type.defaultTier()} when made by {@link #of(AssetType)}
 * @param contentType a MIME type; {@code type.defaultContentType()} when not known
 * @param source where the bytes came from, or null
 */
public record AssetInfo(AssetType type, Tier tier, String contentType, URI source) {
    /**
     * Checks the components.
     *
     * @param type the asset type
     * @param tier the tier
     * @param contentType a MIME type
     * @param source where the bytes came from, or null
     * @throws NullPointerException for a null type, tier or content type
     */
    public AssetInfo {
        Objects.requireNonNull(type, "type is null");
        Objects.requireNonNull(tier, "tier is null");
        Objects.requireNonNull(contentType, "contentType is null");
    }

    /**
     * An asset of this type in its default tier.
     *
     * @param type the type
     * @return the info
     */
    public static AssetInfo of(AssetType type) {
        Objects.requireNonNull(type, "type is null");
        return new AssetInfo(type, type.defaultTier(), type.defaultContentType(), null);
    }

    /**
     * An asset of this type in the given tier.
     *
     * @param type the type
     * @param tier the tier
     * @return the info
     */
    public static AssetInfo of(AssetType type, Tier tier) {
        Objects.requireNonNull(type, "type is null");
        return new AssetInfo(type, tier, type.defaultContentType(), null);
    }

    /**
     * This info with another tier.
     *
     * @param newTier the tier
     * @return a new info
     */
    public AssetInfo withTier(Tier newTier) {
        return new AssetInfo(type, newTier, contentType, source);
    }

    /**
     * This info with another content type.
     *
     * @param newContentType a MIME type
     * @return a new info
     */
    public AssetInfo withContentType(String newContentType) {
        return new AssetInfo(type, tier, newContentType, source);
    }

    /**
     * This info with a source.
     *
     * @param newSource where the bytes came from
     * @return a new info
     */
    public AssetInfo withSource(URI newSource) {
        return new AssetInfo(type, tier, contentType, newSource);
    }
}
