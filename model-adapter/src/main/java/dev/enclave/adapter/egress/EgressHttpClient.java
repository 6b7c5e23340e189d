package dev.enclave.adapter.egress;

import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.provider.ModelCallException;
import io.netty.channel.ConnectTimeoutException;
import io.quarkus.runtime.Startup;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * The only way out of model-adapter. Sends a request to a model endpoint over Vert.x's HTTP
 * client, connected to the address {@link EgressGuard} checked, while the {@code Host} header,
 * TLS SNI and the certificate check use the endpoint's own host name. Redirects are never
 * followed: a 3xx is an error naming its {@code Location}, and an egress refusal when that points
 * outside the allowlist.
 */
@Startup
@ApplicationScoped
public class EgressHttpClient {

    /** Pooled connections per (checked address, host); room for the 32-connection benchmark and then some. */
    private static final int MAX_CONNECTIONS_PER_SERVER = 64;

    private final HttpClient http;
    /**
     * Every model call runs on this one event-loop context. Connections are pooled across calls,
     * and when a pooled connection's events hop to another caller's context Vert.x 4 can deliver a
     * response's end before {@code body()} is listening, leaving the call hanging until its timeout.
     */
    private final Context context;
    private final EgressGuard guard;
    private final Duration connectTimeout;

    public EgressHttpClient(Vertx vertx, EgressGuard guard, AdapterConfig config, TlsConfigurationRegistry tls) {
        this.guard = guard;
        this.connectTimeout = config.connectTimeout();
        HttpClientOptions options = new HttpClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setKeepAlive(true)
                .setVerifyHost(true)
                .setMaxPoolSize(MAX_CONNECTIONS_PER_SERVER);
        config.tlsConfigurationName().ifPresent(name -> trust(options, name, tls));
        this.http = vertx.createHttpClient(options);
        // created at start-up, off any event loop, so this is a fresh context of its own
        this.context = vertx.getOrCreateContext();
    }

    private static void trust(HttpClientOptions options, String name, TlsConfigurationRegistry registry) {
        TlsConfiguration tls = registry.get(name).orElseThrow(() -> new IllegalStateException(
                "enclave.adapter.tls-configuration-name is '" + name + "', but there is no quarkus.tls." + name
                        + ".* configuration"));
        if (tls.isTrustAll()) {
            throw new IllegalStateException("quarkus.tls." + name + " trusts all certificates; model servers' "
                    + "certificates must be checked, so give it a trust store instead");
        }
        if (tls.getTrustStoreOptions() != null) {
            options.setTrustOptions(tls.getTrustStoreOptions());
        }
        if (tls.getKeyStoreOptions() != null) {
            options.setKeyCertOptions(tls.getKeyStoreOptions());
        }
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /**
     * POSTs {@code body} to {@code pathAndQuery} (absolute) on the endpoint's server and waits for the whole answer.
     * Blocks the calling (worker) thread.
     *
     * @throws ModelCallException {@code EGRESS_DENIED}, {@code UNREACHABLE}, {@code TIMEOUT}, or
     *                            {@code MODEL_SERVER_ERROR} for a redirect
     */
    public ModelHttpResponse post(ModelEndpoint endpoint, String pathAndQuery, Map<String, String> headers,
                                  byte[] body, Duration timeout) {
        String url = endpoint.url(pathAndQuery);
        InetAddress address = guard.admit(endpoint);
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, endpoint.port())))
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setSsl(endpoint.tls())
                .setURI(pathAndQuery)
                .setFollowRedirects(false)
                .putHeader("Host", endpoint.authority());
        headers.forEach(request::putHeader);

        ModelHttpResponse response = exchange(request, body, timeout, url);
        if (response.status() / 100 == 3) {
            throw redirected(response, url);
        }
        return response;
    }

    private ModelHttpResponse exchange(RequestOptions options, byte[] body, Duration timeout, String url) {
        CompletableFuture<ModelHttpResponse> answer = new CompletableFuture<>();
        AtomicReference<HttpClientRequest> inFlight = new AtomicReference<>();
        AtomicBoolean abandoned = new AtomicBoolean();
        context.runOnContext(start -> http.request(options)
                .compose(request -> {
                    inFlight.set(request);
                    if (abandoned.get()) {
                        request.reset();
                        return Future.failedFuture("abandoned after the timeout");
                    }
                    return request.send(Buffer.buffer(body));
                })
                .compose(response -> response.body().map(content -> {
                    Map<String, String> headers = new HashMap<>();
                    response.headers().forEach(header -> headers.putIfAbsent(
                            header.getKey().toLowerCase(Locale.ROOT), header.getValue()));
                    return new ModelHttpResponse(response.statusCode(), headers,
                            content.toString(StandardCharsets.UTF_8));
                }))
                .onComplete(result -> {
                    if (result.succeeded()) {
                        answer.complete(result.result());
                    } else {
                        answer.completeExceptionally(result.cause());
                    }
                }));
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // close the connection, so the model server stops working for nobody
            context.runOnContext(stop -> {
                abandoned.set(true);
                HttpClientRequest request = inFlight.get();
                if (request != null) {
                    request.reset();
                }
            });
            throw new ModelCallException(ModelCallException.Kind.TIMEOUT, null,
                    "model server at " + url + " did not answer within " + seconds(timeout));
        } catch (ExecutionException e) {
            throw new ModelCallException(ModelCallException.Kind.UNREACHABLE, null,
                    "model server at " + url + " is unreachable: " + describe(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelCallException(ModelCallException.Kind.UNREACHABLE, null, "interrupted calling " + url);
        }
    }

    private ModelCallException redirected(ModelHttpResponse response, String url) {
        String location = response.header("location");
        if (location == null) {
            return new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.status(),
                    "model server at " + url + " answered " + response.status() + " without a Location");
        }
        String shown = location.length() > 200 ? location.substring(0, 200) + "…" : location;
        try {
            ModelEndpoint target = ModelEndpoint.parse(URI.create(url).resolve(location).toString());
            guard.admit(target);
        } catch (ModelCallException e) {
            if (e.kind() == ModelCallException.Kind.EGRESS_DENIED) {
                return new ModelCallException(ModelCallException.Kind.EGRESS_DENIED, null,
                        "model server at " + url + " redirected to " + shown + ", which is refused: " + e.getMessage());
            }
        } catch (IllegalArgumentException e) {
            // a Location that is no usable URL is reported as the plain redirect below
        }
        return new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.status(),
                "model server at " + url + " answered " + response.status() + " redirecting to " + shown
                        + "; redirects are not followed, configure the endpoint that answers directly");
    }

    private String describe(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return "no connection within " + seconds(connectTimeout);
        }
        if (cause instanceof ConnectException) {
            return "could not connect: " + cause.getMessage();
        }
        if (cause instanceof SSLException) {
            return "TLS failed: " + cause.getMessage();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : " " + message);
    }

    static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }
}
