package io.walloc.assets;

import io.walloc.Tier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registered assets of an {@link AssetRegistry}: by path, and per tier in least recently
 * used order (what budgets evict first), with the sum of their sizes per tier.
 *
 * <p>Not thread-safe: the registry calls it holding its lock.
 */
final class LruIndex {
    private final Map<String, Asset> byPath = new HashMap<>();
    private final List<LinkedHashMap<String, Asset>> byTier = new ArrayList<>();
    private final long[] totals = new long[Tier.values().length];

    LruIndex() {
        for (int i = 0; i < totals.length; i++) {
            byTier.add(new LinkedHashMap<>(16, 0.75f, true)); // access order: eldest = least recently used
        }
    }

    /** The asset under path, or null; without counting a use. */
    Asset peek(String path) {
        return byPath.get(path);
    }

    /** The asset under path, or null; counts as a use. */
    Asset use(String path) {
        Asset a = byPath.get(path);
        if (a != null) {
            byTier.get(a.tier().code()).get(path);
        }
        return a;
    }

    /** Puts a under its path as the most recently used; returns the asset it replaced, or null. */
    Asset put(Asset a) {
        Asset old = byPath.get(a.path());
        if (old != null) {
            remove(old);
        }
        byPath.put(a.path(), a);
        byTier.get(a.tier().code()).put(a.path(), a);
        totals[a.tier().code()] += a.size();
        return old;
    }

    void remove(Asset a) {
        byPath.remove(a.path());
        byTier.get(a.tier().code()).remove(a.path());
        totals[a.tier().code()] -= a.size();
    }

    /** The tier's least recently used asset, or null. */
    Asset eldest(Tier tier) {
        for (Asset a : byTier.get(tier.code()).values()) {
            return a;
        }
        return null;
    }

    /** The tier's assets, least recently used first (a snapshot). */
    List<Asset> list(Tier tier) {
        return List.copyOf(byTier.get(tier.code()).values());
    }

    /** Every asset, tier by tier, least recently used first within a tier (a snapshot). */
    List<Asset> all() {
        List<Asset> all = new ArrayList<>(byPath.size());
        for (LinkedHashMap<String, Asset> m : byTier) {
            all.addAll(m.values());
        }
        return all;
    }

    int size() {
        return byPath.size();
    }

    int count(Tier tier) {
        return byTier.get(tier.code()).size();
    }

    long total(Tier tier) {
        return totals[tier.code()];
    }

    /** Forgets every asset; returns them. */
    List<Asset> clear() {
        List<Asset> all = all();
        byPath.clear();
        byTier.forEach(Map::clear);
        java.util.Arrays.fill(totals, 0);
        return all;
    }
}
