package io.walloc.demo;

import io.walloc.Block;
import io.walloc.LeakReport;
import io.walloc.Tier;
import io.walloc.Walloc;
import io.walloc.WallocConfig;
import io.walloc.assets.Asset;
import io.walloc.assets.AssetLoader;
import io.walloc.assets.AssetRegistry;
import io.walloc.assets.AssetType;
import io.walloc.assets.LoadRequest;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code walloc demo}: loads assets over HTTP into the three tiers of a {@link Walloc}, in batches
 * with a progress bar, prints a per-tier table, evicts and compacts, and prints it again.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Loads assets over HTTP straight into Walloc's tiered native memory and shows the tiers.", "",
            "With no --base-url it starts an embedded asset server on 127.0.0.1 serving generated samples",
            "(BMP images, JSON documents, binary blobs, from a few KB to several MB; JSON without a",
            "Content-Length) and a manifest, assets.txt. The demo then:",
            "  1. loads the manifest, then every asset in batches (at most --parallelism requests at once),",
            "     each body streamed into a block of its type's tier: IMAGE -> TOP, JSON and BINARY -> MIDDLE,",
            "     the manifest (TEXT) -> BOTTOM, with a progress bar (plain lines when output is not a terminal);",
            "  2. checks every asset against the manifest's CRC32 and prints a table per tier:",
            "     capacity, committed memory, bump head, live bytes, peak, utilisation (live / capacity);",
            "  3. evicts the manifest, all JSON and the later half of the images and binaries, compacts each tier",
            "     (bump head back to the highest remaining block) and prints the table again.", "",
            "With --profile the instance keeps an allocation profile: every asset's block is recorded under",
            "its path (asset:PATH), other allocations one in RATE at their stack. The demo prints each",
            "tier's top sites by live bytes after loading, and at exit the leak report: the sampled blocks",
            "nobody freed, by site. The demo frees everything, so it reports none unless --leak N leaves",
            "N blocks behind.", "",
            "With --base-url URL it loads from a real server: the paths given as arguments, else those",
            "listed in URL/assets.txt (--manifest), one per line: PATH [TYPE [SIZE [CRC32-HEX]]]; TYPE is",
            "TEXTURE, IMAGE, MESH, GEOMETRY, SHADER, GPU (-> TOP), SCENE, JSON, MODEL, AUDIO, FONT, BINARY",
            "(-> MIDDLE), TEMP, SCRATCH or TEXT (-> BOTTOM), guessed from the extension when missing.", "",
            "Exit status: 0 when every asset loaded, 1 when some failed or an error stopped the demo,",
            "2 for bad arguments."},
        footer = {"", "Examples:", "  walloc demo", "  walloc demo --capacity 512m --images 200 --parallelism 16",
            "  walloc demo --base-url http://127.0.0.1:8000/assets/ textures/a.png scene.json",
            "  walloc demo --profile --leak 3",
            "  walloc demo --plain | tee demo.log"})
public final class DemoCommand implements Callable<Integer> {
    @Mixin
    DemoOptions o = new DemoOptions();

    PrintStream out = System.out;

    private final AtomicBoolean leaksReported = new AtomicBoolean();

    @Override
    public Integer call() throws Exception {
        o.validate();
        WallocConfig config;
        try {
            WallocConfig.Builder b = WallocConfig.builder().capacity(o.capacity);
            if (o.profileRate > 0) {
                b.profile(o.profileRate).leakListener(this::printLeaks);
            }
            config = b.build();
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError("--capacity " + o.capacity + ": " + e.getMessage());
        }
        SampleServer server = null;
        try {
            URI base = o.baseUrl;
            if (base == null) {
                server = new SampleServer(o.port, o.images, o.jsons, o.binaries, o.seed);
                base = server.baseUrl();
                out.printf(Locale.ROOT, "Embedded asset server on %s: %d samples, %s (%d images, %d JSON, %d binaries)%n",
                        base, server.samples().size(), Format.bytes(server.totalBytes()), o.images, o.jsons, o.binaries);
            }
            int status = run(config, base); // closes the instance: its leak report comes first
            if (o.profileRate > 0 && !leaksReported.get()) {
                out.println();
                out.println("Leak report at close: no sampled block was left live.");
            }
            return status;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /* The three steps, on an instance of their own: load, evict and compact, each followed by a table. */
    private int run(WallocConfig config, URI base) {
        boolean bar = !o.plain && Progress.isTerminal();
        try (Walloc w = Walloc.create(config);
                AssetRegistry reg = new AssetRegistry(w);
                AssetLoader loader = AssetLoader.builder(base, reg).parallelism(o.parallelism)
                        .timeout(Duration.ofSeconds(o.timeoutSeconds)).build()) {
            out.printf(Locale.ROOT, "Walloc %s: TOP %s, MIDDLE %s, BOTTOM %s%n", Format.bytes(config.capacity()),
                    Format.bytes(w.capacity(Tier.TOP)), Format.bytes(w.capacity(Tier.MIDDLE)),
                    Format.bytes(w.capacity(Tier.BOTTOM)));
            if (o.budgetPercent > 0) {
                StringBuilder sb = new StringBuilder("Budgets (LRU eviction):");
                for (Tier t : Tier.values()) {
                    long b = w.capacity(t) / 100 * o.budgetPercent;
                    reg.setBudget(t, b);
                    sb.append(' ').append(t).append(' ').append(Format.bytes(b));
                }
                out.println(sb);
            }
            Asset manifest = o.paths.isEmpty() ? readManifest(loader) : null;
            List<LoadStep.Item> items = manifest != null ? parseManifest(manifest) : fromArguments();
            if (items.isEmpty()) {
                out.println("Nothing to load: the manifest lists no assets.");
                return 0;
            }
            LoadStep.Result loaded = new LoadStep(out, loader, o.batchSize, o.parallelism, bar).run(items);
            TierReport report = new TierReport(out, reg);
            out.println();
            out.println("Tiers after loading:");
            report.table();
            if (o.profileRate > 0) {
                out.println();
                report.topSites(w.profile(), 5);
            }
            report.evictAndCompact(manifest != null && manifest.isRegistered() ? manifest : null, loaded.loaded());
            if (o.leak > 0) {
                leakBlocks(w, o.leak);
                out.printf(Locale.ROOT, "Left %d blocks of %s in BOTTOM unfreed (--leak): the leak report at exit "
                        + "names their site.%n", o.leak, Format.bytes(LEAK_SIZE));
            }
            out.println();
            out.println("Tiers after evicting and compacting:");
            report.table();
            return loaded.failures().isEmpty() ? 0 : 1;
        }
    }

    static final long LEAK_SIZE = 64 << 10;

    /* --leak: blocks nobody frees, allocated (and so sampled) here. */
    private static void leakBlocks(Walloc w, int n) {
        for (int i = 0; i < n; i++) {
            Block leaked = w.allocateBlock(LEAK_SIZE, Tier.BOTTOM);
            leaked.asByteBuffer().put(0, (byte) i); // used, then forgotten
        }
    }

    /* The leak listener: the report, on the closing thread. */
    private void printLeaks(LeakReport r) {
        leaksReported.set(true);
        out.println();
        out.println("Leak report at close:");
        out.println(r.text());
    }

    private List<LoadStep.Item> fromArguments() {
        List<LoadStep.Item> items = new ArrayList<>();
        for (String p : o.paths) {
            items.add(new LoadStep.Item(LoadRequest.of(p), -1));
        }
        return items;
    }

    /** Loads the manifest through the loader itself, as text (BOTTOM); it stays until the evict step. */
    private Asset readManifest(AssetLoader loader) {
        try {
            return loader.load(o.manifest, AssetType.TEXT).join();
        } catch (CompletionException e) {
            throw new IllegalStateException("cannot read the manifest: " + Main.describe(e.getCause()), null);
        }
    }

    /** The manifest's lines: PATH [TYPE [SIZE [CRC32-HEX]]]; blank lines and # comments skipped. */
    private List<LoadStep.Item> parseManifest(Asset m) {
        String text = new String(m.readAll(), StandardCharsets.UTF_8);
        List<LoadStep.Item> items = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\s+");
            try {
                AssetType type = f.length > 1 ? AssetType.parse(f[1]) : AssetType.guess(f[0]);
                long size = f.length > 2 ? Long.parseLong(f[2]) : -1;
                long crc = f.length > 3 ? Long.parseLong(f[3], 16) : -1;
                items.add(new LoadStep.Item(new LoadRequest(f[0], type, null, size), crc));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("manifest " + o.manifest + " line " + lineNo + " ('" + l
                        + "'): expected PATH [TYPE [SIZE [CRC32-HEX]]]: " + e.getMessage(), null);
            }
        }
        return items;
    }
}
