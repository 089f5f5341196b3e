package io.walloc.assets;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** An {@link HttpClient} that passes everything to another; tests override what they watch. */
class DelegatingClient extends HttpClient {
    final HttpClient d;

    DelegatingClient(HttpClient d) {
        this.d = d;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return d.send(req, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
        return d.sendAsync(req, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest req, HttpResponse.BodyHandler<T> handler,
            HttpResponse.PushPromiseHandler<T> push) {
        return sendAsync(req, handler);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return d.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return d.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return d.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return d.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return d.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return d.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return d.authenticator();
    }

    @Override
    public Version version() {
        return d.version();
    }

    @Override
    public Optional<Executor> executor() {
        return d.executor();
    }
}
