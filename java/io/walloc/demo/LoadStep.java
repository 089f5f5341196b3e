package io.walloc.demo;

import io.walloc.assets.Asset;
import io.walloc.assets.AssetLoadException;
import io.walloc.assets.AssetLoader;
import io.walloc.assets.AssetRegistry;
import io.walloc.assets.BatchLoad;
import io.walloc.assets.BatchProgress;
import io.walloc.assets.LoadRequest;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.zip.CRC32;

/**
 * The demo's first step: loads the assets in batches behind a progress bar (plain lines when
 * asked), says how it went, and checks every asset the manifest gives a CRC32 for.
 */
final class LoadStep {
    /** An asset to load, and its CRC32 from the manifest (-1 when it gives none). */
    record Item(LoadRequest request, long crc) {}

    /**
     * What the step did.
     *
     * @param loaded the assets loaded and still registered (a budget may have evicted some since), in load order
     * @param failures one message per failed load
     */
    record Result(List<Asset> loaded, List<String> failures) {}

    private final PrintStream out;
    private final AssetLoader loader;
    private final AssetRegistry reg;
    private final int batchSize;
    private final int parallelism;
    private final boolean bar;

    LoadStep(PrintStream out, AssetLoader loader, int batchSize, int parallelism, boolean bar) {
        this.out = out;
        this.loader = loader;
        this.reg = loader.registry();
        this.batchSize = batchSize;
        this.parallelism = parallelism;
        this.bar = bar;
    }

    Result run(List<Item> items) {
        long expected = 0;
        Map<String, Long> crcs = new HashMap<>();
        for (Item it : items) {
            expected += Math.max(0, it.request().expectedSize());
            crcs.put(it.request().path(), it.crc());
        }
        int batches = (items.size() + batchSize - 1) / batchSize;
        out.printf(Locale.ROOT, "Loading %d assets%s in %d batches of up to %d, %d requests in flight...%n",
                items.size(), expected > 0 ? " (" + Format.bytes(expected) + ")" : "", batches, batchSize, parallelism);
        List<Asset> loaded = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long start = System.nanoTime();
        long[] before = {0, 0}; // bytes received, bytes expected by the batches done
        try (Progress progress = new Progress(out, !bar, "Loading", expected)) {
            for (int b = 0; b < batches; b++) {
                List<LoadRequest> reqs = new ArrayList<>();
                for (Item it : items.subList(b * batchSize, Math.min(items.size(), (b + 1) * batchSize))) {
                    reqs.add(it.request());
                }
                batch(progress, reqs, b + 1, batches, items.size(), before, loaded, failures);
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        long bytes = 0;
        for (Asset a : loaded) {
            bytes += a.size();
        }
        int loadedCount = loaded.size();
        loaded.removeIf(a -> !a.isRegistered()); // evicted by a budget meanwhile
        out.printf(Locale.ROOT, "Loaded %d of %d assets, %s in %.2f s: %s/s%n", loadedCount, items.size(),
                Format.bytes(bytes), secs, Format.bytes((long) (bytes / Math.max(secs, 1e-9))));
        for (int i = 0; i < Math.min(5, failures.size()); i++) {
            out.println("  failed: " + failures.get(i));
        }
        if (failures.size() > 5) {
            out.println("  ... and " + (failures.size() - 5) + " more failures");
        }
        if (reg.budgetEvictions() > 0) {
            out.printf(Locale.ROOT, "Budgets evicted %d least recently used assets to make room; %d remain.%n",
                    reg.budgetEvictions(), reg.size());
        }
        verify(loaded, crcs);
        return new Result(loaded, failures);
    }

    /* One batch: loads reqs, adds what loaded and what failed, and (plain) prints a line. */
    private void batch(Progress progress, List<LoadRequest> reqs, int batchNo, int batches, int total, long[] before,
            List<Asset> loaded, List<String> failures) {
        final long doneBytes = before[0];
        final long doneExpected = before[1];
        final int doneAssets = loaded.size() + failures.size();
        long t0 = System.nanoTime();
        BatchLoad batch = loader.loadBatch(reqs, parallelism, p -> progress.update(doneBytes + p.bytesReceived(),
                Math.max(doneExpected + p.bytesExpected(), 0), " batch " + batchNo + "/" + batches + ", "
                + (doneAssets + p.assetsDone()) + "/" + total + " assets"));
        BatchProgress end = batch.done().join();
        before[0] += end.bytesReceived();
        before[1] += Math.max(end.bytesExpected(), end.bytesReceived());
        for (int i = 0; i < reqs.size(); i++) {
            try {
                loaded.add(batch.future(i).join());
            } catch (CompletionException | CancellationException e) {
                Throwable c = e.getCause() != null ? e.getCause() : e; // JDK 19+ wraps cancellations too
                failures.add(c instanceof AssetLoadException ? c.getMessage() : Main.describe(c));
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (!bar) {
            progress.println(String.format(Locale.ROOT, "batch %d/%d: %d assets, %s in %.2f s (%s/s)%s", batchNo,
                    batches, reqs.size(), Format.bytes(end.bytesReceived()), s,
                    Format.bytes((long) (end.bytesReceived() / Math.max(s, 1e-9))),
                    end.assetsFailed() > 0 ? ", " + end.assetsFailed() + " failed" : ""));
        }
    }

    private void verify(List<Asset> loaded, Map<String, Long> crcs) {
        int checked = 0;
        List<String> bad = new ArrayList<>();
        for (Asset a : loaded) {
            Long want = crcs.get(a.path());
            if (want == null || want < 0) {
                continue;
            }
            CRC32 crc = new CRC32();
            crc.update(a.asByteBuffer());
            checked++;
            if (crc.getValue() != want) {
                bad.add(a.path());
            }
        }
        if (checked > 0) {
            out.printf(Locale.ROOT, "Verified %d assets against the manifest's CRC32: %s%n", checked,
                    bad.isEmpty() ? "all match" : bad.size() + " differ, e.g. " + bad.get(0));
        }
    }
}
