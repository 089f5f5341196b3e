/**
 * Assets in tiered native memory: an {@link io.walloc.assets.AssetRegistry} (path to bytes in a
 * {@link io.walloc.Walloc} block, with LRU budgets per tier) and an
 * {@link io.walloc.assets.AssetLoader} that streams HTTP bodies straight into blocks, alone or in
 * {@linkplain io.walloc.assets.BatchLoad batches} with progress and cancellation.
 *
 * <p>Type to default tier: {@link io.walloc.assets.AssetType#IMAGE} to
 * {@link io.walloc.Tier#TOP}, {@link io.walloc.assets.AssetType#BINARY} to
 * {@link io.walloc.Tier#MIDDLE}, {@link io.walloc.assets.AssetType#JSON} to
 * {@link io.walloc.Tier#BOTTOM}.
 */
package io.walloc.assets;
