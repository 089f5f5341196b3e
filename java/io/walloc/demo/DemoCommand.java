package io.walloc.demo;

import io.walloc.AllocationSite;
import io.walloc.Block;
import io.walloc.LeakReport;
import io.walloc.ProfileSnapshot;
import io.walloc.Tier;
import io.walloc.TierStats;
import io.walloc.Walloc;
import io.walloc.WallocConfig;
import io.walloc.assets.Asset;
import io.walloc.assets.AssetLoadException;
import io.walloc.assets.AssetLoader;
import io.walloc.assets.AssetRegistry;
import io.walloc.assets.AssetType;
import io.walloc.assets.BatchLoad;
import io.walloc.assets.BatchProgress;
import io.walloc.assets.LoadRequest;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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
            "     each body streamed into a block of its type's tier: IMAGE -> TOP, BINARY -> MIDDLE,",
            "     JSON -> BOTTOM, with a progress bar (plain lines when output is not a terminal);",
            "  2. checks every asset against the manifest's CRC32 and prints a table per tier:",
            "     capacity, committed memory, bump head, live bytes, peak, utilisation (live / capacity);",
            "  3. evicts all JSON and the later half of the images and binaries, compacts each tier",
            "     (bump head back to the highest remaining block) and prints the table again.", "",
            "With --profile the instance keeps an allocation profile: every asset's block is recorded under",
            "its path (asset:PATH), other allocations one in RATE at their stack. The demo prints each",
            "tier's top sites by live bytes after loading, and at exit the leak report: the sampled blocks",
            "nobody freed, by site. The demo frees everything, so it reports none unless --leak N leaves",
            "N blocks behind.", "",
            "With --base-url URL it loads from a real server: the paths given as arguments, else those",
            "listed in URL/assets.txt (--manifest), one per line: PATH [TYPE [SIZE [CRC32-HEX]]]; TYPE is",
            "IMAGE, JSON or BINARY (guessed from the extension when missing).", "",
            "Exit status: 0 when every asset loaded, 1 when some failed or an error stopped the demo,",
            "2 for bad arguments."},
        footer = {"", "Examples:", "  walloc demo", "  walloc demo --capacity 512m --images 200 --parallelism 16",
            "  walloc demo --base-url http://127.0.0.1:8000/assets/ textures/a.png scene.json",
            "  walloc demo --profile --leak 3",
            "  walloc demo --plain | tee demo.log"})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--base-url", paramLabel = "URL",
            description = "Load from this http(s) server instead of the embedded one.")
    URI baseUrl;

    @Option(names = "--manifest", paramLabel = "PATH", defaultValue = "assets.txt",
            description = "Manifest path under the base URL (default: ${DEFAULT-VALUE}).")
    String manifest;

    @Parameters(paramLabel = "PATH", arity = "0..*",
            description = "Asset paths under --base-url to load instead of the manifest's.")
    List<String> paths = new ArrayList<>();

    @Option(names = "--capacity", paramLabel = "SIZE", defaultValue = "256m", converter = SizeConverter.class,
            description = "Walloc capacity, e.g. 64m, 1g (default: ${DEFAULT-VALUE}); tiers get 50/30/20 %%.")
    long capacity;

    @Option(names = "--budget", paramLabel = "PERCENT", defaultValue = "0",
            description = {"Give each tier a budget of this share of its capacity: when a load would pass it,",
                "the least recently used assets of the tier are evicted first, so more can be streamed",
                "than fits (default: no budget; a full tier then fails the load with 'no room')."})
    int budgetPercent;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "40",
            description = "Assets per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "8",
            description = "Requests in flight per batch (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Wait at most this long for a response or the next body bytes (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--images", paramLabel = "N", defaultValue = "60",
            description = "Embedded server: generated images (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--jsons", paramLabel = "N", defaultValue = "40",
            description = "Embedded server: generated JSON documents (default: ${DEFAULT-VALUE}).")
    int jsons;

    @Option(names = "--binaries", paramLabel = "N", defaultValue = "40",
            description = "Embedded server: generated binaries (default: ${DEFAULT-VALUE}).")
    int binaries;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Embedded server: generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
            description = "Embedded server: port on 127.0.0.1 (default: any free port).")
    int port;

    @Option(names = "--profile", paramLabel = "RATE", arity = "0..1", fallbackValue = "1",
            description = {"Keep an allocation profile sampling one allocation in RATE (--profile alone: every",
                "one; write --profile=RATE before asset paths); print the top sites per tier after loading",
                "and the leak report at exit."})
    Integer profile; // null: no profile

    int profileRate; // the profile's rate, 0 for none (validate: --leak may turn it on)

    @Option(names = "--leak", paramLabel = "N", defaultValue = "0",
            description = {"Leave N blocks of 64 KiB in BOTTOM unfreed, so that the leak report at exit shows",
                "them (turns --profile on, every allocation sampled, when it is not given; at a rate",
                "above 1 about one block in RATE is sampled and reported)."})
    int leak;

    @Option(names = "--plain", description = "Plain progress lines even on a terminal.")
    boolean plain;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    PrintStream out = System.out;

    /** Parses sizes such as 64k, 256m, 1g. */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Format.parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    private record Item(LoadRequest request, long crc) {}

    @Override
    public Integer call() throws Exception {
        validate();
        WallocConfig config;
        try {
            WallocConfig.Builder b = WallocConfig.builder().capacity(capacity);
            if (profileRate > 0) {
                b.profile(profileRate).leakListener(this::printLeaks);
            }
            config = b.build();
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError("--capacity " + capacity + ": " + e.getMessage());
        }
        SampleServer server = null;
        try {
            URI base = baseUrl;
            if (base == null) {
                server = new SampleServer(port, images, jsons, binaries, seed);
                base = server.baseUrl();
                out.printf(Locale.ROOT, "Embedded asset server on %s: %d samples, %s (%d images, %d JSON, %d binaries)%n",
                        base, server.samples().size(), Format.bytes(server.totalBytes()), images, jsons, binaries);
            }
            return run(config, base);
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private void validate() {
        if (batchSize < 1) {
            throw new Main.UsageError("--batch-size must be at least 1, got " + batchSize);
        }
        if (parallelism < 1) {
            throw new Main.UsageError("--parallelism must be at least 1, got " + parallelism);
        }
        if (timeoutSeconds < 1) {
            throw new Main.UsageError("--timeout must be at least 1 second, got " + timeoutSeconds);
        }
        if (images < 0 || jsons < 0 || binaries < 0) {
            throw new Main.UsageError("--images, --jsons and --binaries must be 0 or more");
        }
        if (budgetPercent < 0 || budgetPercent > 100) {
            throw new Main.UsageError("--budget must be a percentage in 0..100, got " + budgetPercent);
        }
        if (port < 0 || port > 65535) {
            throw new Main.UsageError("--port must be in 0..65535, got " + port);
        }
        if (profile != null && profile < 1) {
            throw new Main.UsageError("--profile must be a rate of 1 or more (one allocation in RATE sampled), got "
                    + profile);
        }
        profileRate = profile != null ? profile : 0;
        if (leak < 0) {
            throw new Main.UsageError("--leak must be 0 or more blocks, got " + leak);
        }
        if (leak > 0 && profileRate == 0) {
            profileRate = 1; // a leak is only worth leaving when a report names it
        }
        if (baseUrl == null && !paths.isEmpty()) {
            throw new Main.UsageError("asset paths (" + paths.get(0) + "...) need --base-url; the embedded server "
                    + "serves its own samples");
        }
        if (baseUrl != null) {
            String s = baseUrl.getScheme();
            if (s == null || !(s.equalsIgnoreCase("http") || s.equalsIgnoreCase("https")) || baseUrl.getHost() == null) {
                throw new Main.UsageError("--base-url '" + baseUrl + "' is not an absolute http:// or https:// URL");
            }
        }
    }

    private final AtomicBoolean leaksReported = new AtomicBoolean();

    private int run(WallocConfig config, URI base) {
        int status = load(config, base); // closes the instance: its leak report comes first
        if (profileRate > 0 && !leaksReported.get()) {
            out.println();
            out.println("Leak report at close: no sampled block was left live.");
        }
        return status;
    }

    private int load(WallocConfig config, URI base) {
        boolean bar = !plain && Progress.isTerminal();
        try (Walloc w = Walloc.create(config);
                AssetRegistry reg = new AssetRegistry(w);
                AssetLoader loader = AssetLoader.builder(base, reg).parallelism(parallelism)
                        .timeout(Duration.ofSeconds(timeoutSeconds)).build()) {
            out.printf(Locale.ROOT, "Walloc %s: TOP %s, MIDDLE %s, BOTTOM %s%n", Format.bytes(config.capacity()),
                    Format.bytes(w.capacity(Tier.TOP)), Format.bytes(w.capacity(Tier.MIDDLE)),
                    Format.bytes(w.capacity(Tier.BOTTOM)));
            if (budgetPercent > 0) {
                StringBuilder sb = new StringBuilder("Budgets (LRU eviction):");
                for (Tier t : Tier.values()) {
                    long b = w.capacity(t) / 100 * budgetPercent;
                    reg.setBudget(t, b);
                    sb.append(' ').append(t).append(' ').append(Format.bytes(b));
                }
                out.println(sb);
            }
            List<Item> items = paths.isEmpty() ? readManifest(loader, reg) : fromArguments();
            if (items.isEmpty()) {
                out.println("Nothing to load: the manifest lists no assets.");
                return 0;
            }
            // 1. load in batches
            long expected = 0;
            for (Item it : items) {
                expected += Math.max(0, it.request().expectedSize());
            }
            int batches = (items.size() + batchSize - 1) / batchSize;
            out.printf(Locale.ROOT, "Loading %d assets%s in %d batches of up to %d, %d requests in flight...%n",
                    items.size(), expected > 0 ? " (" + Format.bytes(expected) + ")" : "", batches, batchSize, parallelism);
            List<Asset> loaded = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            Map<String, Long> crcs = new HashMap<>();
            long start = System.nanoTime();
            long[] before = {0, 0};
            try (Progress progress = new Progress(out, !bar, "Loading", expected)) {
                for (int b = 0; b < batches; b++) {
                    List<LoadRequest> reqs = new ArrayList<>();
                    for (Item it : items.subList(b * batchSize, Math.min(items.size(), (b + 1) * batchSize))) {
                        reqs.add(it.request());
                        crcs.put(it.request().path(), it.crc());
                    }
                    final int batchNo = b + 1;
                    final long doneBytes = before[0];
                    final long doneExpected = before[1];
                    final int doneAssets = loaded.size() + failures.size();
                    long t0 = System.nanoTime();
                    BatchLoad batch = loader.loadBatch(reqs, parallelism, p -> progress.update(doneBytes + p.bytesReceived(),
                            Math.max(doneExpected + p.bytesExpected(), 0), " batch " + batchNo + "/" + batches + ", "
                            + (doneAssets + p.assetsDone()) + "/" + items.size() + " assets"));
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
            out.println();
            out.println("Tiers after loading:");
            table(w, reg);
            if (profileRate > 0) {
                out.println();
                topSites(w.profile(), 5);
            }

            // 3. evict and compact
            List<String> evict = new ArrayList<>();
            long evictBytes = 0;
            Map<Tier, Integer> seen = new HashMap<>();
            Map<Tier, Integer> count = new HashMap<>();
            for (Asset a : loaded) {
                count.merge(a.tier(), 1, Integer::sum);
            }
            for (Asset a : loaded) { // in load order: the later half of each tier lies highest in it
                int n = seen.merge(a.tier(), 1, Integer::sum);
                if (a.type() == AssetType.JSON || n > count.get(a.tier()) / 2) {
                    evict.add(a.path());
                    evictBytes += a.size();
                }
            }
            long[] headBefore = new long[3];
            for (Tier t : Tier.values()) {
                headBefore[t.code()] = w.tierStats(t).bumpHead();
            }
            int evicted = reg.evictBatch(evict);
            for (Tier t : Tier.values()) {
                reg.compact(t);
            }
            out.println();
            out.printf(Locale.ROOT, "Evicted %d assets (%s): all JSON, the later half of the images and binaries.%n",
                    evicted, Format.bytes(evictBytes));
            StringBuilder sb = new StringBuilder("Compacted: ");
            for (Tier t : Tier.values()) {
                sb.append(t).append(" head ").append(Format.bytes(headBefore[t.code()])).append(" -> ")
                        .append(Format.bytes(w.tierStats(t).bumpHead())).append(t == Tier.BOTTOM ? "" : ", ");
            }
            out.println(sb);
            if (leak > 0) {
                leakBlocks(w, leak);
                out.printf(Locale.ROOT, "Left %d blocks of %s in BOTTOM unfreed (--leak): the leak report at exit "
                        + "names their site.%n", leak, Format.bytes(LEAK_SIZE));
            }
            out.println();
            out.println("Tiers after evicting and compacting:");
            table(w, reg);
            return failures.isEmpty() ? 0 : 1;
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

    /* Each tier's top n sites by live bytes (assets are named by their paths). */
    private void topSites(ProfileSnapshot p, int n) {
        out.printf(Locale.ROOT, "Top sites by live bytes (profile: %s; %d sites):%n",
                p.rate() == 1 ? "every allocation sampled" : "one allocation in " + p.rate() + " sampled, assets all", p.sites().size());
        for (Tier t : Tier.values()) {
            List<AllocationSite> top = p.topSites(t, n);
            long rest = p.total(t).liveBytes(); // what the sites beyond the top hold
            out.printf(Locale.ROOT, "  %s%s%n", t, top.isEmpty() ? ": nothing sampled is live" : "");
            for (AllocationSite s : top) {
                rest -= s.liveBytes(t);
                out.printf(Locale.ROOT, "    %10s  %5d block%s  %s%n", Format.bytes(s.liveBytes(t)), s.liveBlocks(t),
                        s.liveBlocks(t) == 1 ? " " : "s", s.label());
            }
            long more = p.sites().stream().filter(s -> s.liveBytes(t) > 0).count() - top.size();
            if (more > 0) {
                out.printf(Locale.ROOT, "    %10s  at %d more site%s%n", Format.bytes(rest), more, more == 1 ? "" : "s");
            }
        }
    }

    /* The leak listener: the report, on the closing thread. */
    private void printLeaks(LeakReport r) {
        leaksReported.set(true);
        out.println();
        out.println("Leak report at close:");
        out.println(r.text());
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

    private List<Item> fromArguments() {
        List<Item> items = new ArrayList<>();
        for (String p : paths) {
            items.add(new Item(LoadRequest.of(p), -1));
        }
        return items;
    }

    /** Loads the manifest through the loader itself (into BOTTOM), parses it, evicts it. */
    private List<Item> readManifest(AssetLoader loader, AssetRegistry reg) {
        Asset m;
        try {
            m = loader.load(manifest, AssetType.BINARY, Tier.BOTTOM).join();
        } catch (CompletionException e) {
            throw new IllegalStateException("cannot read the manifest: " + Main.describe(e.getCause()), null);
        }
        String text = new String(m.readAll(), StandardCharsets.UTF_8);
        reg.evict(manifest);
        List<Item> items = new ArrayList<>();
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
                items.add(new Item(new LoadRequest(f[0], type, null, size), crc));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("manifest " + manifest + " line " + lineNo + " ('" + l
                        + "'): expected PATH [TYPE [SIZE [CRC32-HEX]]]: " + e.getMessage(), null);
            }
        }
        return items;
    }

    private void table(Walloc w, AssetRegistry reg) {
        String fmt = "%-7s %11s %11s %11s %11s %11s %8s %7s%n";
        out.printf(Locale.ROOT, fmt, "tier", "capacity", "committed", "head", "live", "peak", "util", "assets");
        long[] sum = new long[6];
        int assets = 0;
        for (Tier t : Tier.values()) {
            TierStats s = w.tierStats(t);
            out.printf(Locale.ROOT, fmt, t, Format.bytes(s.capacity()), Format.bytes(s.committed()),
                    Format.bytes(s.bumpHead()), Format.bytes(s.liveBytes()), Format.bytes(s.peak()),
                    Format.percent(s.liveBytes(), s.capacity()), reg.count(t));
            sum[0] += s.capacity();
            sum[1] += s.committed();
            sum[2] += s.bumpHead();
            sum[3] += s.liveBytes();
            sum[4] += s.peak();
            assets += reg.count(t);
        }
        out.printf(Locale.ROOT, fmt, "total", Format.bytes(sum[0]), Format.bytes(sum[1]), Format.bytes(sum[2]),
                Format.bytes(sum[3]), Format.bytes(sum[4]), Format.percent(sum[3], sum[0]), assets);
        out.println("(head: bytes handed out by the tier's bump pointer; util: live / capacity)");
    }
}
