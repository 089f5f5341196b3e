package io.walloc.assets;

import io.walloc.Tier;
import java.util.Objects;

/**
 * One asset to load: its path relative to the loader's base URL, its type, the tier (null: the
 * type's {@linkplain AssetType#defaultTier() default}) and, optionally, the size the caller
 * expects (from a manifest): when given, a body of any other length fails the load (except a body
 * that runs past a {@code Content-Length} equal to it: the client never delivers those bytes, see
 * {@link AssetLoader}).
 *
 * <p>Thread safety: an immutable record.
 *
 * @param path the path, relative to the base URL
 * @param type the type
 * @param tier the tier, or null for the type's default
 * @param expectedSize the expected length in bytes, or -1 when unknown
 */
public record LoadRequest(String path, AssetType type, Tier tier, long expectedSize) {
    /**
     * Checks the components.
     *
     * @param path the path, relative to the base URL
     * @param type the type
     * @param tier the tier, or null for the type's default
     * @param expectedSize the expected length in bytes, or -1 when unknown
     * @throws NullPointerException for a null path or type
     * @throws IllegalArgumentException for an expected size below -1
     */
    public LoadRequest {
        Objects.requireNonNull(path, "path is null");
        Objects.requireNonNull(type, "type is null");
        if (expectedSize < -1) {
            throw new IllegalArgumentException("expectedSize " + expectedSize + " (use -1 for unknown)");
        }
    }

    /**
     * A request whose type is guessed from the path ({@link AssetType#guess}).
     *
     * @param path the path
     * @return the request
     */
    public static LoadRequest of(String path) {
        return new LoadRequest(path, AssetType.guess(path), null, -1);
    }

    /**
     * A request of a type, in the type's default tier.
     *
     * @param path the path
     * @param type the type
     * @return the request
     */
    public static LoadRequest of(String path, AssetType type) {
        return new LoadRequest(path, type, null, -1);
    }

    /**
     * A request of a type in a tier.
     *
     * @param path the path
     * @param type the type
     * @param tier the tier
     * @return the request
     */
    public static LoadRequest of(String path, AssetType type, Tier tier) {
        return new LoadRequest(path, type, tier, -1);
    }

    /**
     * This request with an expected size.
     *
     * @param bytes the expected length, or -1
     * @return a new request
     */
    public LoadRequest withExpectedSize(long bytes) {
        return new LoadRequest(path, type, tier, bytes);
    }

    /**
     * The tier the asset goes to.
     *
     * @return {@link #tier()}, or the type's default when null
     */
    public Tier effectiveTier() {
        return tier != null ? tier : type.defaultTier();
    }
}
