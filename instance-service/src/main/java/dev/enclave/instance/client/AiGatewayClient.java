package dev.enclave.instance.client;

import dev.enclave.instance.config.InstanceConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.vertx.MultiHelper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Posts to an AI gateway (self-hosted or cloud) and hands back its answer untouched, without
 * holding a thread while the gateway works: Vert.x' HTTP client on the event loop, answers as
 * Mutiny {@link Uni}/{@link Multi}. The gateway URL comes from the AI settings and may change at
 * any time, so there is one client whose connection pool is kept per gateway origin (up to
 * {@code enclave.instance.gateway-max-connections} each) rather than a client per URL.
 */
@ApplicationScoped
public class AiGatewayClient {

    public record GatewayResponse(int status, String contentType, byte[] body) {
    }

    /**
     * A gateway answer whose status and content type are known. For 2xx the body is the gateway's
     * stream as it arrives (read only as fast as it is consumed; cancelling it closes the gateway
     * connection); otherwise it is the gateway's whole error answer.
     */
    public record GatewayStream(int status, String contentType, Multi<byte[]> body) {
    }

    /** The gateway could not be reached or did not answer in time. */
    public static class GatewayUnavailableException extends RuntimeException {
        public GatewayUnavailableException(String message) {
            super(message);
        }
    }

    private record Call(HttpClientRequest request, HttpClientResponse response) {
    }

    private static final Logger LOG = Logger.getLogger(AiGatewayClient.class);

    private final HttpClient http;
    private final InstanceConfig config;

    public AiGatewayClient(Vertx vertx, InstanceConfig config) {
        this.config = config;
        this.http = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setConnectTimeout(3000).setKeepAlive(true).setTcpNoDelay(true))
                .with(new PoolOptions().setHttp1MaxSize(config.gatewayMaxConnections()))
                // A broken connection fails its request, which reports it (with the request id);
                // Vert.x would otherwise log it a second time, without context, as an error.
                .withConnectHandler(connection -> connection.exceptionHandler(e ->
                        LOG.debugf("AI gateway connection to %s: %s", connection.remoteAddress(), e)))
                .build();
    }

    @PreDestroy
    void close() {
        http.close();
    }

    public Uni<GatewayResponse> post(String gatewayUrl, String path, Map<String, String> headers, byte[] jsonBody) {
        return post(gatewayUrl, path, headers, jsonBody, config.gatewayTimeout());
    }

    /** The whole answer, within {@code timeout} in all; a timeout closes the connection. */
    public Uni<GatewayResponse> post(String gatewayUrl, String path, Map<String, String> headers, byte[] jsonBody,
                                     Duration timeout) {
        return open(gatewayUrl, path, headers, jsonBody, timeout)
                .onItem().transformToUni(call -> wholeBody(gatewayUrl, timeout, call)
                        .map(body -> new GatewayResponse(call.response().statusCode(), contentType(call), body)))
                .ifNoItem().after(timeout).failWith(() -> timedOut(gatewayUrl, timeout));
    }

    /**
     * The answer's head within {@code timeout}; then a 2xx body streams with at most
     * {@code timeout} between two pieces, a non-2xx body is read whole (to pass it on as it is).
     */
    public Uni<GatewayStream> stream(String gatewayUrl, String path, Map<String, String> headers, byte[] jsonBody,
                                     Duration timeout) {
        return open(gatewayUrl, path, headers, jsonBody, timeout)
                .ifNoItem().after(timeout).failWith(() -> timedOut(gatewayUrl, timeout))
                .onItem().transformToUni(call -> {
                    int status = call.response().statusCode();
                    if (status / 100 != 2) {
                        return wholeBody(gatewayUrl, timeout, call)
                                .map(body -> new GatewayStream(status, contentType(call), Multi.createFrom().item(body)));
                    }
                    Multi<byte[]> body = MultiHelper.toMulti(call.response())
                            .map(Buffer::getBytes)
                            .onFailure().transform(e -> unreachable(gatewayUrl, timeout, e))
                            // The reader went away (or stopped reading on purpose): close the gateway
                            // connection so that the model stops. Handlers go first, so that the reset
                            // is not reported as a failure to a reader that already left.
                            .onCancellation().invoke(() -> {
                                call.response().handler(null).exceptionHandler(null).endHandler(null);
                                call.request().reset();
                            });
                    return Uni.createFrom().item(new GatewayStream(status, contentType(call), body));
                });
    }

    /** Sends the request; the answer comes back paused, so that nothing of its body is lost or read ahead. */
    private Uni<Call> open(String gatewayUrl, String path, Map<String, String> headers, byte[] jsonBody,
                           Duration timeout) {
        RequestOptions options;
        try {
            options = new RequestOptions().setMethod(HttpMethod.POST)
                    .setAbsoluteURI(stripTrailingSlash(gatewayUrl) + path)
                    .setIdleTimeout(timeout.toMillis());
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(new GatewayUnavailableException("AI gateway URL " + gatewayUrl
                    + " cannot be used: " + e.getMessage()));
        }
        options.putHeader("Content-Type", "application/json");
        headers.forEach(options::putHeader);
        return Uni.createFrom().emitter(emitter -> {
            AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
            AtomicBoolean answered = new AtomicBoolean();
            AtomicBoolean abandoned = new AtomicBoolean();
            emitter.onTermination(() -> {
                if (!answered.get()) {
                    abandoned.set(true);
                    HttpClientRequest request = sent.get();
                    if (request != null) {
                        request.reset();
                    }
                }
            });
            http.request(options).onComplete(opened -> {
                if (opened.failed()) {
                    emitter.fail(unreachable(gatewayUrl, timeout, opened.cause()));
                    return;
                }
                HttpClientRequest request = opened.result();
                sent.set(request);
                if (abandoned.get()) {
                    request.reset();
                    return;
                }
                request.send(Buffer.buffer(jsonBody)).onComplete(answer -> {
                    if (answer.failed()) {
                        emitter.fail(unreachable(gatewayUrl, timeout, answer.cause()));
                        return;
                    }
                    HttpClientResponse response = answer.result();
                    response.pause();
                    answered.set(true);
                    emitter.complete(new Call(request, response));
                });
            });
        });
    }

    private Uni<byte[]> wholeBody(String gatewayUrl, Duration timeout, Call call) {
        return Uni.createFrom().emitter(emitter -> {
            AtomicBoolean done = new AtomicBoolean();
            emitter.onTermination(() -> {
                if (!done.get()) {
                    call.request().reset();
                }
            });
            call.response().body().onComplete(body -> {
                done.set(true);
                if (body.succeeded()) {
                    emitter.complete(body.result().getBytes());
                } else {
                    emitter.fail(unreachable(gatewayUrl, timeout, body.cause()));
                }
            });
            call.response().resume();
        });
    }

    private static String contentType(Call call) {
        String type = call.response().getHeader("Content-Type");
        return type == null ? "application/json" : type;
    }

    private static GatewayUnavailableException timedOut(String gatewayUrl, Duration timeout) {
        return new GatewayUnavailableException("AI gateway at " + gatewayUrl + " did not answer within "
                + timeout.toSeconds() + " s");
    }

    private static GatewayUnavailableException unreachable(String gatewayUrl, Duration timeout, Throwable cause) {
        if (cause instanceof GatewayUnavailableException known) {
            return known;
        }
        if (cause instanceof TimeoutException) {
            return timedOut(gatewayUrl, timeout);
        }
        return new GatewayUnavailableException("AI gateway at " + gatewayUrl + " is unreachable: " + cause);
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
