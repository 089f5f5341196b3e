package io.walloc.assets;

import io.walloc.Tier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One HTTP request and the callers sharing it. All state changes happen under the task's
 * monitor: body chunks are written into the reservation there, and a failure (from the client, the
 * watchdog, a cancellation or the loader's close) frees the reservation there, so no write can
 * touch a freed block and the block is freed exactly once.
 *
 * <p>The outcome is one decision, taken under the monitor: when the body has ended the task
 * {@linkplain LoadFuture#claim claims} the futures of the callers still waiting, and registers the
 * asset only if it claimed at least one (a caller that cancelled first keeps its cancellation and
 * gets nothing registered for it; one that cancels later is too late and gets the asset). The
 * claimed futures are completed after the monitor is released, so no caller's code runs under it.
 */
final class LoadTask {
    /** Events for one caller (a batch entry). */
    interface Listener {
        /** The body's length became known. Called under the task's monitor. */
        void length(long total);

        /** n more body bytes arrived. Called under the task's monitor. */
        void bytes(long n);

        /**
         * The request is over for this caller: it completed, or it was stopped and the calls that
         * stop it (which close its connection) have returned, or the caller left it to others.
         * Called with no lock held, at least once (callers must ignore repeats).
         */
        void ended();
    }

    private final LoadSettings settings;
    private final Consumer<LoadTask> onDone; // told once the task is over: the loader forgets it
    private final LoadFailures failures;
    private final LoadRequest request;
    private final URI uri;
    private final String key;
    private final Tier tier;
    private final Callers callers = new Callers();
    private long startNanos;
    private volatile long lastActivity;
    private boolean abandoned;
    private boolean done;
    private boolean failed;
    private Asset asset;               // the outcome once done: the asset...
    private AssetLoadException error;  // ...or the failure
    private long declared = -1;
    private BodyBuffer buffer;           // the body as it lands, once the headers came
    private Sink sink;
    private CompletableFuture<?> http;
    private boolean sending;             // start() is inside sendAsync: http is not known yet
    private List<Listener> endedLater;   // a failure while sending: start() signals ended once it stopped the request
    private ScheduledFuture<?> dog;

    LoadTask(LoadSettings settings, LoadRequest request, URI uri, Consumer<LoadTask> onDone) {
        this.settings = settings;
        this.onDone = onDone;
        this.request = request;
        this.uri = uri;
        this.key = uri.toString();
        this.tier = request.effectiveTier();
        this.failures = new LoadFailures(request.path(), uri, tier, settings.registry());
        if (request.expectedSize() >= 0) {
            declared = request.expectedSize();
        }
    }

    String key() {
        return key;
    }

    String path() {
        return request.path();
    }

    /**
     * Adds a caller; false when the task is being abandoned (every caller cancelled). A caller
     * that joins a task that has already ended gets its outcome.
     */
    boolean join(LoadFuture f, Listener l) {
        Asset a;
        AssetLoadException e;
        synchronized (this) {
            if (abandoned) {
                return false;
            }
            a = asset;
            e = error;
            if (!done) {
                callers.add(f, l);
                if (l != null) {
                    if (declared >= 0) {
                        l.length(declared);
                    }
                    if (buffer != null && buffer.received() > 0) {
                        l.bytes(buffer.received());
                    }
                }
            }
        }
        if (e != null || a != null) {
            if (f.claim()) {
                if (e != null) {
                    f.finishExceptionally(e);
                } else {
                    f.finish(a);
                }
            }
            if (l != null) {
                l.ended();
            }
            return true;
        }
        f.onCancel(() -> leave(f));
        return true;
    }

    private void leave(LoadFuture f) {
        boolean last;
        boolean was;
        Listener l;
        synchronized (this) {
            was = callers.contains(f);
            l = callers.remove(f);
            last = was && callers.isEmpty() && !done;
            if (last) {
                abandoned = true;
            }
        }
        if (last) { // the request stops, and its connection is closed, before the caller hears it ended
            fail(new AssetLoadException(path(), AssetLoadException.Reason.CANCELLED, 0, "cancelled [" + uri + "]", null));
        }
        if (was && l != null) {
            l.ended();
        }
    }

    void start() {
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(settings.timeout()).GET().build();
        long timeoutNanos = settings.timeout().toNanos();
        long period = Math.max(10, Math.min(250, settings.timeout().toMillis() / 4));
        synchronized (this) {
            if (done) {
                return;
            }
            startNanos = System.nanoTime();
            lastActivity = startNanos;
            try {
                dog = settings.watchdog().scheduleAtFixedRate(() -> {
                    long idle = System.nanoTime() - lastActivity;
                    if (idle > timeoutNanos) {
                        fail(new AssetLoadException(path(), AssetLoadException.Reason.TIMEOUT, 0, "time-out: nothing received for "
                                + Duration.ofNanos(idle).toMillis() + " ms (limit " + settings.timeout().toMillis() + " ms) ["
                                + uri + "]", null));
                    }
                }, period, period, TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
                // watchdog shut down: the loader is closing; the request still has HttpRequest.timeout
            }
        }
        synchronized (this) {
            sending = true;
        }
        CompletableFuture<HttpResponse<Asset>> h = null;
        Throwable refused = null;
        HttpClient c = settings.client().get();
        try {
            if (c == null) {
                refused = new CancellationException("the loader was closed");
            } else {
                h = c.sendAsync(req, this::newSink);
                if (h == null) {
                    refused = new NullPointerException(c.getClass().getName() + ".sendAsync returned null");
                }
            }
        } catch (Throwable e) { // a client of the user's may throw anything, undeclared checked exceptions too
            refused = e;
        }
        boolean cancelNow;
        List<Listener> late;
        synchronized (this) {
            http = h;
            sending = false;
            cancelNow = h != null && failed && sink == null; // see failLocked: once a response arrived, the sink stops it
            late = endedLater;
            endedLater = null;
        }
        if (refused != null) {
            fail(failures.classify(refused));
        }
        if (cancelNow) {
            h.cancel(true);
        }
        if (late != null) {
            Callers.ended(late);
        }
        if (h == null) {
            return;
        }
        h.whenComplete((resp, e) -> {
            if (e != null) {
                fail(failures.classify(e));
            }
        });
    }

    private HttpResponse.BodySubscriber<Asset> newSink(HttpResponse.ResponseInfo info) {
        Sink s = new Sink();
        s.init(info);
        return s;
    }

    /** Fails the load: frees what it took, stops the request, completes every caller. Once. */
    void fail(AssetLoadException e) {
        Runnable after;
        synchronized (this) {
            if (done) {
                return;
            }
            after = failLocked(e, List.of());
        }
        after.run();
    }

    /*
     * Under the monitor: ends the task as failed, frees its block and claims the callers' futures
     * (besides those already claimed); returns what is left to do once the monitor is released.
     */
    private Runnable failLocked(AssetLoadException e, List<LoadFuture> claimed) {
        done = true;
        failed = true;
        error = e;
        if (buffer != null) {
            buffer.free();
        }
        if (dog != null) {
            dog.cancel(false);
        }
        Sink s = sink;
        // Stop the exchange by cancelling the HTTP future only while no response has arrived.
        // Once there is a sink, s.abort() cancels its body subscription instead: the JDK closes the
        // connection for a body still coming, and leaves it alone once the whole body is read. The
        // future must not be cancelled then: the JDK hands the connection back to its pool before
        // it tells the sink the body ended, and Http1Exchange.cancel closes the connection until
        // the sink's body future completes, under whatever request took it from the pool.
        CompletableFuture<?> h = s == null ? http : null;
        List<LoadFuture> fs = new ArrayList<>(claimed);
        fs.addAll(callers.claim());
        // A batch hands the request's slot on when it hears "ended": only once the calls above
        // stopped the exchange and closed its connection. While start() is still inside sendAsync
        // there is nothing to stop yet: start() stops it and signals then.
        List<Listener> ls = callers.listeners();
        boolean endNow = s != null || !sending;
        if (!endNow) {
            endedLater = ls;
        }
        return () -> {
            onDone.accept(this);
            if (s != null) {
                s.abort(e);
            }
            if (h != null) {
                h.cancel(true);
            }
            for (LoadFuture f : fs) {
                f.finishExceptionally(e);
            }
            if (endNow) {
                Callers.ended(ls);
            }
        };
    }

    /** The body subscriber: writes chunks into the reservation as they arrive. */
    private final class Sink implements HttpResponse.BodySubscriber<Asset> {
        private final CompletableFuture<Asset> body = new CompletableFuture<>();
        private Flow.Subscription subscription;
        private String contentType;
        private AssetLoadException failure;

        void init(HttpResponse.ResponseInfo info) {
            AssetLoadException f = null;
            synchronized (LoadTask.this) {
                if (done) {
                    failure = failures.error(AssetLoadException.Reason.CANCELLED, "cancelled");
                    body.completeExceptionally(failure);
                    return;
                }
                if (sink != null) {
                    sink.abortLocked();
                }
                sink = this;
                lastActivity = System.nanoTime();
                contentType = info.headers().firstValue("content-type").orElse(request.type().defaultContentType());
                OptionalLong cl = info.headers().firstValueAsLong("content-length");
                long expected = request.expectedSize();
                long max = settings.maxBodySize(tier);
                f = failures.refuseHeaders(info.statusCode(), cl, expected, max, settings.hasMaxBodySize());
                if (f == null) {
                    if (buffer != null) {
                        buffer.free(); // a superseded response's block
                    }
                    buffer = new BodyBuffer(settings, failures, request, tier);
                    f = buffer.open(cl, max);
                    long known = cl.orElse(-1);
                    if (f == null && known >= 0 && known != declared) {
                        declared = known;
                        callers.length(known);
                    }
                }
            }
            if (f != null) {
                fail(f);
            }
        }

        @Override
        public CompletionStage<Asset> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            boolean cancel;
            synchronized (LoadTask.this) {
                subscription = s;
                cancel = failure != null || done;
            }
            if (cancel) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            AssetLoadException f = null;
            Flow.Subscription s;
            synchronized (LoadTask.this) {
                s = subscription;
                if (done || failure != null) {
                    return;
                }
                lastActivity = System.nanoTime();
                if (settings.registry().isClosed()) {
                    f = failures.closedUnder(null, true); // stop now rather than after the whole body
                } else {
                    for (ByteBuffer b : items) {
                        int n = b.remaining();
                        if (n == 0) {
                            continue;
                        }
                        f = buffer.append(b);
                        if (f != null) {
                            break;
                        }
                        callers.bytes(n);
                        if (done) {
                            return; // a listener cancelled the last caller: fail() freed the block
                        }
                    }
                }
            }
            if (f != null) {
                fail(f);
            } else {
                s.request(1);
            }
        }

        @Override
        public void onError(Throwable t) {
            AssetLoadException e = failures.classify(t);
            synchronized (LoadTask.this) {
                if (buffer != null) {
                    e = buffer.failed(e, t);
                }
            }
            fail(e);
        }

        @Override
        public void onComplete() {
            AssetLoadException f = null;
            Asset a = null;
            List<LoadFuture> winners = List.of();
            Runnable afterFail;
            List<Listener> ls;
            synchronized (LoadTask.this) {
                if (done || failure != null) {
                    return;
                }
                f = buffer.incomplete();
                if (f == null && (winners = callers.claim()).isEmpty()) {
                    // every caller cancelled (their leave() waits for the monitor): register nothing
                    abandoned = true;
                    f = failures.error(AssetLoadException.Reason.CANCELLED, "cancelled as the body ended");
                } else if (f == null) {
                    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
                    f = buffer.commit(new AssetInfo(request.type(), tier, contentType, uri), took);
                    if (f == null) {
                        a = buffer.asset();
                        done = true;
                        asset = a;
                        if (dog != null) {
                            dog.cancel(false);
                        }
                    }
                }
                afterFail = f == null ? null : failLocked(f, winners);
                ls = callers.listeners();
            }
            if (afterFail != null) {
                afterFail.run();
                return;
            }
            body.complete(a);
            onDone.accept(LoadTask.this);
            for (LoadFuture w : winners) {
                w.finish(a);
            }
            Callers.ended(ls);
        }

        /* Called by fail(): stop the body and fail its future. */
        void abort(AssetLoadException e) {
            Flow.Subscription s;
            synchronized (LoadTask.this) {
                if (failure == null) {
                    failure = e;
                }
                s = subscription;
            }
            if (s != null) {
                s.cancel();
            }
            body.completeExceptionally(e);
        }

        void abortLocked() {
            failure = failures.error(AssetLoadException.Reason.IO, "superseded by another response");
            if (subscription != null) {
                subscription.cancel();
            }
            body.completeExceptionally(failure);
        }
    }
}
