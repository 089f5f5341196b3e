package io.walloc.assets;

import io.walloc.Tier;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Loads assets over HTTP into an {@link AssetRegistry}: bodies are streamed straight into blocks
 * of the registry's instance, with {@link java.net.http.HttpClient} and no other library.
 *
 * <pre>{@code
 * try (Walloc w = Walloc.create(); AssetRegistry reg = new AssetRegistry(w);
 *      AssetLoader loader = AssetLoader.builder(URI.create("http://127.0.0.1:8080/assets/"), reg).build()) {
 *     Asset scene = loader.load("scene.json", AssetType.JSON).join();
 *     BatchLoad batch = loader.loadBatch(List.of(LoadRequest.of("tex/a.png"), LoadRequest.of("mesh/b.bin")),
 *             p -> System.out.println(p.assetsDone() + "/" + p.assetsTotal()));
 *     batch.done().join();
 * }
 * }</pre>
 *
 * <h2>How a body lands</h2>
 * With a {@code Content-Length} (or an expected size in the {@link LoadRequest}) the block is
 * allocated when the headers arrive and each chunk the client receives is copied into it as it
 * comes: the body is never assembled on the Java heap. Without a length (chunked transfer) the
 * loader starts with a block of {@link Builder#initialBlockSize} bytes (64 KiB by default) and
 * doubles it when full, copying inside the instance; at the end a block more than an eighth (and
 * 4 KiB) larger than the body is shrunk to fit. A body may not exceed
 * {@link Builder#maxBodySize} (default: the tier's capacity).
 *
 * <h2>Declared lengths</h2>
 * A body shorter than its {@code Content-Length} (the connection closes first) fails with
 * TRUNCATED, and so does a body of another length than the request's expected size.
 *
 * <p>A body <em>longer</em> than its {@code Content-Length} cannot be detected:
 * {@link HttpClient}'s HTTP/1.1 reads exactly the declared bytes and ends the body there, so the
 * load succeeds with those bytes (an expected size equal to the {@code Content-Length} does not
 * help; the loader never sees the rest). The surplus stays on the connection: the client may drop
 * it, or, when it reuses the connection for the next request, read it where that response's status
 * line should be; that next load (of whatever path) then fails with reason IO and a message
 * saying so, and the client closes the connection (tested in {@code AssetLoaderTest} against a
 * server that does this). What is detected, with reason TOO_LONG:
 * <ul>
 *   <li>a {@code Content-Length} above the request's expected size or above
 *       {@link Builder#maxBodySize} (when the headers arrive, before a block is taken);</li>
 *   <li>a body without a {@code Content-Length} (chunked, or ended by the connection closing)
 *       that runs past the expected size or {@link Builder#maxBodySize}, as soon as the extra
 *       bytes arrive.</li>
 * </ul>
 * Without an expected size or a size limit, a body past the tier's capacity fails with NO_ROOM.
 *
 * <h2>Failures</h2>
 * Every failure completes the future exceptionally with an {@link AssetLoadException} whose
 * message names the path and the cause (reasons: bad path, connection, HTTP status, time-out,
 * truncated, too long, no room, cancelled, released, I/O); the block taken for it is freed and
 * nothing is registered. Cancelling a future ({@code cancel(true)}) completes it with a
 * {@link CancellationException} naming the path and stops the request unless another caller
 * shares it.
 *
 * <h2>Resets, compactions and closes during a load</h2>
 * A {@link io.walloc.Walloc#resetTier reset} of the load's tier, a
 * {@link io.walloc.Walloc#fastCompactTier compaction} that releases its block, or closing the
 * {@link io.walloc.Walloc} while the body arrives fails the load with reason RELEASED at its next
 * step (the next chunk, the block's growth, or registration). Each chunk is checked and copied in
 * one step those calls wait for, so no byte lands in the released memory, whoever holds it now;
 * nothing is registered, and the block is not freed later (it is no longer the load's). A
 * compaction that spares the block does not disturb the load. Closing the registry fails the load
 * with reason CANCELLED at its next chunk; {@link AssetRegistry#clear(Tier)} refuses while a load
 * into the tier is in flight, and {@link AssetRegistry#compact(Tier)} keeps its block. A load
 * started after the registry or the instance was closed fails at once (CANCELLED).
 *
 * <h2>Cancelling as the body ends</h2>
 * Registering the asset and completing the futures are one decision: when the body has ended,
 * the load registers the asset only for callers whose futures are still not cancelled, and from
 * then on {@code cancel} returns false and the future completes with the registered asset. So for
 * a load no other caller shares, either the future completes with the asset and the asset is
 * registered, or the future is cancelled (or failed), nothing is registered and the block is
 * freed by the time {@code cancel} returns. (A load shared with other callers is registered when
 * any of them still waits; the ones that cancelled just do not get it.) Completing a future
 * yourself ({@code complete}, {@code completeExceptionally}, {@code orTimeout}) counts as
 * cancelling it.
 *
 * <h2>Paths</h2>
 * Paths are relative to the base URL and resolved and normalised against it; a path with a
 * scheme ({@code http://...}), a host ({@code //host}), an absolute path ({@code /x}), a
 * backslash, a control character or {@code ..} segments that leave the base fails with reason
 * BAD_PATH. Characters that are illegal in URLs are percent-encoded ({@code ?} and {@code #}
 * included: a path names a file, not a query).
 *
 * <h2>Coalescing</h2>
 * Loads of the same resolved URL while one is in flight share its request and get the same
 * {@link Asset} (with the type and tier of the first request). Cancelling one caller's future
 * does not stop the request while another caller waits for it.
 *
 * <h2>Time-outs</h2>
 * {@link Builder#timeout} bounds the wait for the response headers and then for each next chunk
 * of the body (an idle time-out): a slow body that keeps moving is not cut off.
 *
 * <h2>After close</h2>
 * {@link #load} and {@link #loadBatch} still return futures, which fail at once (reason
 * CANCELLED); {@link #resolve}, {@link #baseUrl()}, {@link #registry()}, {@link #parallelism()},
 * {@link #inFlight()} (0) and {@link #close()} (again: nothing) keep answering.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class AssetLoader implements AutoCloseable {
    private final URI base;
    private final String baseString;
    private final AssetRegistry registry;
    // Emptied at close: a pooled connection of the client may still reference a task through its
    // last body subscriber, and tasks share this holder; were the client still in it, the
    // loader's user would keep the client reachable, and with it (on JDK 17, where only
    // unreachability stops a client) its threads.
    private final AtomicReference<HttpClient> client;
    private final boolean ownsClient;
    private final int parallelism;
    private final LoadSettings settings;
    private final ConcurrentHashMap<String, LoadTask> inflight = new ConcurrentHashMap<>();
    private final Consumer<LoadTask> finished; // a task's completion: it leaves inflight (no reference to the loader)
    private volatile boolean closed;

    private AssetLoader(Builder b) {
        this.base = normaliseBase(b.base);
        this.baseString = base.toString();
        this.registry = b.registry;
        this.ownsClient = b.client == null;
        this.client = new AtomicReference<>(b.client != null ? b.client
                : HttpClient.newBuilder().connectTimeout(b.timeout).followRedirects(HttpClient.Redirect.NEVER)
                        .version(HttpClient.Version.HTTP_1_1).build());
        this.parallelism = b.parallelism;
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "walloc-asset-loader-watchdog");
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        this.settings = new LoadSettings(client, registry, b.timeout, b.initialBlockSize, b.maxBodySize, ex);
        ConcurrentHashMap<String, LoadTask> tasks = inflight;
        this.finished = t -> tasks.remove(t.key(), t);
    }

    /**
     * A builder for a loader of assets under {@code baseUrl} into {@code registry}.
     *
     * @param baseUrl an absolute http or https URL; a missing trailing {@code /} is added
     * @param registry where loaded assets are registered
     * @return the builder
     * @throws IllegalArgumentException when the URL is not absolute http(s)
     */
    public static Builder builder(URI baseUrl, AssetRegistry registry) {
        return new Builder(baseUrl, registry);
    }

    private static URI normaliseBase(URI u) {
        Objects.requireNonNull(u, "baseUrl is null");
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
            throw new IllegalArgumentException("base URL '" + u + "' is not an absolute http:// or https:// URL");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("base URL '" + u + "' must not have a query or fragment");
        }
        String p = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        if (!p.endsWith("/")) {
            p = p + "/";
        }
        return URI.create(scheme + "://" + u.getRawAuthority() + p).normalize();
    }

    /** @return the base URL (always ending in {@code /}) */
    public URI baseUrl() {
        return base;
    }

    /** @return the registry assets are registered in */
    public AssetRegistry registry() {
        return registry;
    }

    /** @return the default parallelism of batches */
    public int parallelism() {
        return parallelism;
    }

    /**
     * Resolves a path against the base URL, refusing anything that would leave it.
     *
     * @param path a relative path such as {@code textures/wall.png}
     * @return the absolute URL
     * @throws AssetLoadException with reason BAD_PATH (see the class comment)
     */
    public URI resolve(String path) {
        if (path == null || path.isEmpty()) {
            throw badPath(String.valueOf(path), "the path is empty");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw badPath(path, "it contains a control character");
            }
            if (c == '\\') {
                throw badPath(path, "it contains a backslash");
            }
        }
        if (path.startsWith("/")) {
            throw badPath(path, "it is an absolute path; paths are relative to the base URL " + base);
        }
        int colon = path.indexOf(':');
        int slash = path.indexOf('/');
        if (colon >= 0 && (slash < 0 || colon < slash)) {
            throw badPath(path, "it looks like an absolute URL; paths are relative to the base URL " + base);
        }
        URI rel;
        try {
            rel = new URI(null, null, path, null); // quotes illegal characters, '%', '?' and '#' included
        } catch (URISyntaxException e) {
            throw badPath(path, "it is not a valid URL path (" + e.getMessage() + ")");
        }
        URI u = base.resolve(rel).normalize();
        String s = u.toString();
        if (!s.startsWith(baseString) || s.length() == baseString.length() || u.getRawPath().contains("/../")
                || u.getRawPath().endsWith("/..")) {
            throw badPath(path, "it leaves the base URL " + base + " (resolves to " + u + ")");
        }
        return u;
    }

    private static AssetLoadException badPath(String path, String why) {
        return new AssetLoadException(path, AssetLoadException.Reason.BAD_PATH, 0, "bad path: " + why, null);
    }

    // ------------------------------------------------------------------ loading

    /**
     * Loads an asset of a type into the type's default tier.
     *
     * @param path the path, relative to the base URL
     * @param type the type
     * @return the future asset (see the class comment for failures)
     */
    public CompletableFuture<Asset> load(String path, AssetType type) {
        return load(LoadRequest.of(path, type));
    }

    /**
     * Loads an asset of a type into a tier.
     *
     * @param path the path, relative to the base URL
     * @param type the type
     * @param tier the tier
     * @return the future asset
     */
    public CompletableFuture<Asset> load(String path, AssetType type, Tier tier) {
        return load(LoadRequest.of(path, type, tier));
    }

    /**
     * Loads one asset.
     *
     * @param request what to load
     * @return the future asset; it never throws here, every failure completes it exceptionally
     */
    public CompletableFuture<Asset> load(LoadRequest request) {
        return load(request, null);
    }

    LoadFuture load(LoadRequest request, LoadTask.Listener listener) {
        Objects.requireNonNull(request, "request is null");
        return load(request, listener, new LoadFuture(request.path()));
    }

    LoadFuture load(LoadRequest request, LoadTask.Listener listener, LoadFuture f) {
        if (f.isDone()) {
            return refused(f, listener, null);
        }
        String closedWhat = closed ? "the loader is closed" : registry.isClosed() ? "the asset registry is closed"
                : registry.walloc().isClosed() ? "the Walloc instance is closed" : null;
        if (closedWhat != null) { // refused up front
            return refused(f, listener, new AssetLoadException(request.path(), AssetLoadException.Reason.CANCELLED, 0,
                    closedWhat, null));
        }
        URI uri;
        try {
            uri = resolve(request.path());
        } catch (AssetLoadException e) {
            return refused(f, listener, e);
        }
        String key = uri.toString();
        while (true) {
            LoadTask t = inflight.get(key);
            if (t == null) {
                LoadTask fresh = new LoadTask(settings, request, uri, finished);
                if (inflight.putIfAbsent(key, fresh) != null) {
                    continue;
                }
                fresh.join(f, listener);
                fresh.start();
                return f;
            }
            if (t.join(f, listener)) {
                return f;
            }
            inflight.remove(key, t); // being cancelled by all its callers: start another
        }
    }

    /* A load that sends no request: f fails with e (unless done already), and its listener hears it ended. */
    private static LoadFuture refused(LoadFuture f, LoadTask.Listener listener, AssetLoadException e) {
        if (e != null && f.claim()) {
            f.finishExceptionally(e);
        }
        if (listener != null) {
            listener.ended();
        }
        return f;
    }

    /**
     * Loads several assets with the loader's default parallelism.
     *
     * @param requests what to load
     * @param listener progress, or null
     * @return the batch
     */
    public BatchLoad loadBatch(List<LoadRequest> requests, ProgressListener listener) {
        return loadBatch(requests, parallelism, listener);
    }

    /**
     * Loads several assets with the loader's default parallelism and no listener.
     *
     * @param requests what to load
     * @return the batch
     */
    public BatchLoad loadBatch(List<LoadRequest> requests) {
        return loadBatch(requests, parallelism, null);
    }

    /**
     * Loads several assets, at most {@code parallelism} at a time, in list order. One result per
     * request: a failure does not fail the others.
     *
     * @param requests what to load
     * @param parallelism how many requests may be in flight at once, 1 or more
     * @param listener progress, or null
     * @return the batch, already started
     * @throws IllegalArgumentException for a parallelism below 1
     */
    public BatchLoad loadBatch(List<LoadRequest> requests, int parallelism, ProgressListener listener) {
        Objects.requireNonNull(requests, "requests is null");
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        BatchLoad b = new BatchLoad(this, new ArrayList<>(requests), parallelism, listener);
        b.start();
        return b;
    }

    /**
     * The number of requests in flight.
     *
     * @return the count
     */
    public int inFlight() {
        return inflight.size();
    }

    /**
     * Stops accepting loads and fails the loads in flight (reason CANCELLED); their blocks are
     * freed. Does not close the registry.
     *
     * <p>The HTTP client: one the loader made itself is shut down, and its threads end. On JDK 21
     * and later that happens at once ({@code HttpClient.shutdownNow()}); on JDK 17, which has no
     * way to stop a client, the loader drops every reference it holds to it, and the client's
     * selector thread and workers end once the garbage collector has found the client unreachable
     * (the JDK's selector looks again every few seconds). A client passed to
     * {@link Builder#client} belongs to the caller: the loader leaves it open and working, and
     * only forgets it.
     */
    @Override
    public void close() {
        closed = true;
        for (LoadTask t : List.copyOf(inflight.values())) {
            t.fail(new AssetLoadException(t.path(), AssetLoadException.Reason.CANCELLED, 0, "the loader was closed", null));
        }
        settings.watchdog().shutdownNow();
        HttpClient c = client.getAndSet(null);
        if (ownsClient && c != null) {
            shutdownNow(c);
        }
    }

    /* HttpClient.shutdownNow (JDK 21+), found once; null on older JDKs. Not close(): close() waits
     * for the client's exchanges to end, and would wait forever for the one whose completion
     * called loader.close() from a future's dependent on the client's own thread. */
    private static final MethodHandle SHUTDOWN_NOW = findShutdownNow();

    private static MethodHandle findShutdownNow() {
        try {
            return MethodHandles.publicLookup().findVirtual(HttpClient.class, "shutdownNow", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            return null; // JDK 17-20
        }
    }

    private static void shutdownNow(HttpClient c) {
        if (SHUTDOWN_NOW == null) {
            return; // unreachable once this loader is: see close()
        }
        try {
            SHUTDOWN_NOW.invoke(c);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("HttpClient.shutdownNow failed", e);
        }
    }

    /**
     * Configures an {@link AssetLoader}.
     *
     * <p>Thread safety: not thread-safe.
     */
    public static final class Builder {
        private final URI base;
        private final AssetRegistry registry;
        private HttpClient client;
        private int parallelism = 8;
        private Duration timeout = Duration.ofSeconds(30);
        private long initialBlockSize = 64 << 10;
        private long maxBodySize;

        private Builder(URI base, AssetRegistry registry) {
            this.base = normaliseBase(base);
            this.registry = Objects.requireNonNull(registry, "registry is null");
        }

        /**
         * The HTTP client to use (default: a new HTTP/1.1 client, no redirects, connect time-out
         * equal to {@link #timeout}, shut down by the loader's {@link AssetLoader#close()}). A
         * client given here stays the caller's: closing the loader leaves it open.
         *
         * @param c the client
         * @return this builder
         */
        public Builder client(HttpClient c) {
            this.client = Objects.requireNonNull(c, "client is null");
            return this;
        }

        /**
         * The default number of requests a batch keeps in flight (default 8).
         *
         * @param n 1 or more
         * @return this builder
         */
        public Builder parallelism(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("parallelism must be at least 1, got " + n);
            }
            this.parallelism = n;
            return this;
        }

        /**
         * The longest wait for the response headers, and then for each next piece of the body
         * (default 30 s).
         *
         * @param d a positive duration
         * @return this builder
         */
        public Builder timeout(Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("timeout must be positive, got " + d);
            }
            this.timeout = d;
            return this;
        }

        /**
         * The first block size for bodies of unknown length (default 64 KiB).
         *
         * @param bytes 1 or more
         * @return this builder
         */
        public Builder initialBlockSize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("initialBlockSize must be positive, got " + bytes);
            }
            this.initialBlockSize = bytes;
            return this;
        }

        /**
         * The largest body accepted (default: the capacity of the asset's tier).
         *
         * @param bytes 1 or more
         * @return this builder
         */
        public Builder maxBodySize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxBodySize must be positive, got " + bytes);
            }
            this.maxBodySize = bytes;
            return this;
        }

        /**
         * Builds the loader.
         *
         * @return the loader; close it to stop its watchdog thread and the client it made
         */
        public AssetLoader build() {
            return new AssetLoader(this);
        }
    }

}
