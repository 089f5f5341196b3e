package io.walloc.assets;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A batch of loads started by {@link AssetLoader#loadBatch}: one future per request, in request
 * order (a failure fails only its own), at most {@link #parallelism()} requests in flight, a
 * progress listener, and cancellation of the whole batch or of one request.
 *
 * <pre>{@code
 * BatchLoad b = loader.loadBatch(requests, 8, p -> bar.update(p.bytesReceived(), p.bytesExpected()));
 * BatchProgress end = b.done().join();          // never exceptional: every request settled
 * for (CompletableFuture<Asset> f : b.futures()) { ... }
 * }</pre>
 *
 * <h2>In flight</h2>
 * A request holds one of the batch's {@link #parallelism()} places from the moment it is started
 * until it is over: its body has arrived, or it failed, or it was cancelled and stopped (its
 * connection closed). Only then does the next request start, so the server never sees more than
 * {@code parallelism} of the batch's requests at once, cancelled ones included. After
 * {@link #cancel()} nothing new starts; {@link #cancel(int)} of a request not started yet means it
 * never starts. A request the batch shares with another caller's load of the same path (see
 * {@link AssetLoader}) holds a place while the batch waits for it; cancelling it there leaves the
 * request to the other caller and frees the place.
 *
 * <p>Thread safety: every method may be called from any thread. The listener is called one call
 * at a time, on a thread of its own and with no lock of the loader held, so it may call any method
 * here, {@link #cancel()} included (see {@link ProgressListener}).
 */
public final class BatchLoad {
    /* Listeners run here, never on the thread that reported the progress: that thread holds its
     * load's lock and the batch's, and a listener that cancels (taking every load's lock) would
     * deadlock with another load reporting at the same moment. Daemon threads that end when idle. */
    /** Where what a progress listener throws is reported (see {@link ProgressListener}). */
    static final System.Logger LOG = System.getLogger("io.walloc.assets");

    private static final ExecutorService DELIVERY = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "walloc-batch-progress");
        t.setDaemon(true);
        return t;
    });

    private final AssetLoader loader;
    private final List<LoadRequest> requests;
    private final int parallelism;
    private final ProgressListener listener;
    private final List<LoadFuture> futures;
    private final long[] entryExpected;
    private final long[] entryReceived;
    private final boolean[] started;
    private final boolean[] over; // started, and its request is over: its place is free
    private final boolean[] settled;
    private final CompletableFuture<BatchProgress> done = new CompletableFuture<>();
    private int next;
    private int running;
    private boolean pumping;
    private Thread pumper; // the thread in pump(), while pumping
    private int doneCount;
    private int failed;
    private long received;
    private long expected;
    private volatile boolean cancelled;
    private final ArrayDeque<BatchProgress> undelivered = new ArrayDeque<>();
    private boolean delivering;

    BatchLoad(AssetLoader loader, List<LoadRequest> requests, int parallelism, ProgressListener listener) {
        this.loader = loader;
        this.requests = Collections.unmodifiableList(requests);
        this.parallelism = parallelism;
        this.listener = listener;
        int n = requests.size();
        this.futures = new ArrayList<>(n);
        this.entryExpected = new long[n];
        this.entryReceived = new long[n];
        this.started = new boolean[n];
        this.over = new boolean[n];
        this.settled = new boolean[n];
        for (int i = 0; i < n; i++) {
            LoadRequest r = requests.get(i);
            if (r == null) {
                throw new NullPointerException("requests[" + i + "] is null");
            }
            futures.add(new LoadFuture(r.path()));
            if (r.expectedSize() > 0) {
                entryExpected[i] = r.expectedSize();
                expected += r.expectedSize();
            }
        }
    }

    void start() {
        for (int i = 0; i < futures.size(); i++) {
            final int idx = i;
            futures.get(i).whenComplete((a, e) -> settle(idx, a, e));
        }
        if (futures.isEmpty()) {
            done.complete(progress());
            return;
        }
        pump();
    }

    /* Starts requests while fewer than parallelism are in flight, unless the batch was cancelled.
     * One thread pumps at a time: a load that ends at once (refused, or already loaded) calls back
     * into pump from inside load, and the loop that is already running takes that place instead
     * of recursing once per entry. */
    private void pump() {
        synchronized (this) {
            if (pumping) {
                return;
            }
            pumping = true;
            pumper = Thread.currentThread();
        }
        while (true) {
            int i;
            synchronized (this) {
                if (cancelled || running >= parallelism || next >= futures.size()) {
                    pumping = false;
                    pumper = null;
                    notifyAll(); // a cancel() waiting for the request this pump was starting
                    return;
                }
                i = next++;
                if (settled[i] || futures.get(i).isDone()) {
                    continue;
                }
                started[i] = true;
                running++;
            }
            loader.load(requests.get(i), new Entry(i), futures.get(i));
        }
    }

    private final class Entry implements LoadTask.Listener {
        private final int i;

        Entry(int i) {
            this.i = i;
        }

        @Override
        public void length(long total) {
            synchronized (BatchLoad.this) {
                if (settled[i] || total <= entryExpected[i]) {
                    return;
                }
                expected += total - entryExpected[i];
                entryExpected[i] = total;
                fire();
            }
        }

        @Override
        public void ended() {
            synchronized (BatchLoad.this) {
                if (over[i]) {
                    return;
                }
                over[i] = true;
                running--;
            }
            pump();
        }

        @Override
        public void bytes(long n) {
            synchronized (BatchLoad.this) {
                if (settled[i]) {
                    return;
                }
                entryReceived[i] += n;
                received += n;
                if (entryReceived[i] > entryExpected[i]) { // unknown length: what arrived is known to come
                    expected += entryReceived[i] - entryExpected[i];
                    entryExpected[i] = entryReceived[i];
                }
                fire();
            }
        }
    }

    private void settle(int i, Asset a, Throwable e) {
        boolean last;
        synchronized (this) {
            if (settled[i]) {
                return;
            }
            settled[i] = true;
            doneCount++;
            if (e != null) {
                failed++;
            } else {
                long size = a.size();
                if (size > entryReceived[i]) {
                    received += size - entryReceived[i];
                    entryReceived[i] = size;
                }
                if (entryReceived[i] > entryExpected[i]) {
                    expected += entryReceived[i] - entryExpected[i];
                    entryExpected[i] = entryReceived[i];
                }
            }
            fire();
            last = doneCount == futures.size();
        }
        if (last && listener == null) {
            done.complete(progress());
        } // else the delivery of the last progress completes done, so the listener saw it first
        // (a settled request's place is handed on when its request is over: Entry.ended)
    }

    /* Queues the progress now for the listener (called under this batch's lock). Consecutive
     * reports of bytes alone collapse into the latest, so a slow listener holds back at most one
     * report per settled asset; every settlement is delivered. */
    private void fire() {
        if (listener == null) {
            return;
        }
        BatchProgress p = snapshot();
        BatchProgress tail = undelivered.peekLast();
        if (tail != null && tail.assetsDone() == p.assetsDone()) {
            undelivered.pollLast();
        }
        undelivered.addLast(p);
        if (!delivering) {
            delivering = true;
            DELIVERY.execute(this::deliver);
        }
    }

    /* Delivers queued progress in order, one call at a time, outside every lock. */
    private void deliver() {
        for (;;) {
            BatchProgress p;
            synchronized (this) {
                p = undelivered.pollFirst();
                if (p == null) {
                    delivering = false;
                    return;
                }
            }
            try {
                listener.onProgress(p);
            } catch (Throwable e) { // checked ones too: Kotlin, Scala and Lombok code throw them undeclared
                LOG.log(System.Logger.Level.WARNING, "the progress listener of a batch of " + p.assetsTotal()
                        + " assets threw at " + p + "; ignored, the batch goes on", e);
            }
            if (p.assetsDone() == p.assetsTotal()) {
                done.complete(p);
            }
        }
    }

    /**
     * The progress now.
     *
     * @return a snapshot
     */
    public synchronized BatchProgress progress() {
        return snapshot();
    }

    /* Under this batch's lock. */
    private BatchProgress snapshot() {
        return new BatchProgress(doneCount, failed, futures.size(), received, expected);
    }

    /**
     * One future per request, in request order. Each completes with the asset, or exceptionally
     * with an {@link AssetLoadException} (or a {@link java.util.concurrent.CancellationException}
     * when cancelled) naming the path.
     *
     * @return the futures (unmodifiable)
     */
    public List<CompletableFuture<Asset>> futures() {
        return Collections.unmodifiableList(futures);
    }

    /**
     * The future of request {@code i}.
     *
     * @param i index in the request list
     * @return the future
     */
    public CompletableFuture<Asset> future(int i) {
        return futures.get(i);
    }

    /** @return the requests, in order */
    public List<LoadRequest> requests() {
        return requests;
    }

    /** @return how many requests may be in flight at once */
    public int parallelism() {
        return parallelism;
    }

    /**
     * Completes, normally, with the final progress once every request has settled (succeeded,
     * failed or been cancelled).
     *
     * @return the future
     */
    public CompletableFuture<BatchProgress> done() {
        return done;
    }

    /**
     * The assets that loaded, in request order (for a finished batch; unfinished or failed ones
     * are skipped).
     *
     * @return the assets
     */
    public List<Asset> assets() {
        List<Asset> out = new ArrayList<>();
        for (LoadFuture f : futures) {
            if (f.isDone() && !f.isCompletedExceptionally()) {
                out.add(f.join());
            }
        }
        return out;
    }

    /**
     * Cancels every request not settled yet: requests in flight are stopped (unless another caller
     * shares them) and their blocks freed; requests not started never start, and no request starts
     * after this returns.
     *
     * @return how many futures this cancelled
     */
    public int cancel() {
        synchronized (this) {
            cancelled = true; // first: a place freed by the cancellations below starts nothing
            // A pump on another thread may be starting a request it took before: let it finish, so
            // that no request starts after this returns (the cancellations below stop it).
            boolean interrupted = false;
            while (pumping && pumper != Thread.currentThread()) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        int n = 0;
        for (LoadFuture f : futures) {
            if (f.cancel("the batch was cancelled")) {
                n++;
            }
        }
        return n;
    }

    /**
     * Cancels request {@code i} only. Not started yet: it never starts. In flight: it is stopped
     * (unless another caller shares it), and its place goes to the next request once it is.
     *
     * @param i index in the request list
     * @return true when it was not settled before
     */
    public boolean cancel(int i) {
        return futures.get(i).cancel("cancelled by the caller");
    }

    /** @return true after {@link #cancel()} */
    public boolean isCancelled() {
        return cancelled;
    }
}
