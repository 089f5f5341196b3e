/**
 * Assets in tiered native memory: an {@link io.walloc.assets.AssetRegistry} (path to bytes in a
 * {@link io.walloc.Walloc} block, with LRU budgets per tier) and an
 * {@link io.walloc.assets.AssetLoader} that streams HTTP bodies straight into blocks, alone or in
 * {@linkplain io.walloc.assets.BatchLoad batches} with progress and cancellation.
 *
 * <p>Type to default tier, as DESIGN.md and {@code tests/scenarios/faces/asset_types.json} state
 * it for every face (see {@link io.walloc.assets.AssetType}): texture, image, mesh, geometry,
 * shader, gpu to {@link io.walloc.Tier#TOP}; scene, json, model, audio, font, binary (and
 * anything unnamed) to {@link io.walloc.Tier#MIDDLE}; temp, scratch, text to
 * {@link io.walloc.Tier#BOTTOM}.
 */
package io.walloc.assets;
