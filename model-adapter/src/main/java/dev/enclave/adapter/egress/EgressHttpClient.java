package dev.enclave.adapter.egress;

import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.provider.ModelCallException;
import io.netty.channel.ConnectTimeoutException;
import io.quarkus.runtime.Startup;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import dev.enclave.adapter.service.Deadline;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import org.jboss.logging.Logger;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * The only way out of model-adapter. Sends a request to a model endpoint over Vert.x's HTTP
 * client, connected to the address {@link EgressGuard} checked, while the {@code Host} header,
 * TLS SNI and the certificate check use the endpoint's own host name. Redirects are never
 * followed: a 3xx is an error naming its {@code Location}, and an egress refusal when that points
 * outside the allowlist.
 *
 * <p>Nothing here blocks a thread while the model works: a call is a {@link Uni} that completes on
 * the egress event loop, and an answer's body is either collected (with a size cap) or handed on
 * piece by piece as a {@link ModelStream} with pause, resume and cancel. Only a DNS lookup, which
 * the JVM's resolver does blocking, runs on a worker thread, before the connection is opened.
 */
@Startup
@ApplicationScoped
public class EgressHttpClient {

    /** Pooled connections per (checked address, host); room for the 32-connection benchmark and then some. */
    private static final int MAX_CONNECTIONS_PER_SERVER = 64;
    private static final Logger LOG = Logger.getLogger(EgressHttpClient.class);
    private static final TypeLiteral<Uni<HttpClientRequest>> CONNECTION = new TypeLiteral<>() {
    };

    private final Vertx vertx;
    private final HttpClient http;
    /**
     * Every model call runs on this one event-loop context. Connections are pooled across calls,
     * and when a pooled connection's events hop to another caller's context Vert.x 4 can deliver a
     * response's end before {@code body()} is listening, leaving the call hanging until its timeout.
     * Callers get their results on this context and move them to their own.
     */
    private final Context context;
    private final EgressGuard guard;
    private final Duration connectTimeout;
    /**
     * One retry when the model server refused the connection: nothing was sent, so the request
     * cannot have run twice. Never once the request went out.
     */
    private final Guard connectRetry;

    public EgressHttpClient(Vertx vertx, EgressGuard guard, AdapterConfig config, TlsConfigurationRegistry tls) {
        this.vertx = vertx;
        this.guard = guard;
        this.connectTimeout = config.connectTimeout();
        this.connectRetry = Guard.create()
                .withDescription("model server connection")
                .withRetry()
                    .maxRetries(1)
                    .delay(config.modelServer().connectRetryDelay().toMillis(), ChronoUnit.MILLIS)
                    .whenException(EgressHttpClient::refused)
                    .beforeRetry(failure -> LOG.infof("Model server refused the connection (%s); retrying once",
                            failure.getMessage()))
                    .done()
                // the attempt is put back on the egress context by connect(); nothing here blocks
                .withThreadOffload(false)
                .build();
        HttpClientOptions options = new HttpClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setKeepAlive(true)
                .setVerifyHost(true)
                .setMaxPoolSize(MAX_CONNECTIONS_PER_SERVER)
                // no trace context to model servers (a cloud provider is a third party); the model
                // call's own span (ModelCallService, GenAI attributes) is the trace's last link
                .setTracingPolicy(io.vertx.core.tracing.TracingPolicy.IGNORE);
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
     * POSTs {@code body} to {@code pathAndQuery} (absolute) on the endpoint's server and collects the whole answer.
     *
     * @param maxAnswerBytes the most of a body that is collected; a longer one is a {@code MODEL_SERVER_ERROR}
     * @return the answer, or a failure with a {@link ModelCallException}: {@code EGRESS_DENIED},
     *         {@code UNREACHABLE}, {@code TIMEOUT}, or {@code MODEL_SERVER_ERROR} for a redirect or an
     *         answer over the size cap
     */
    public Uni<ModelHttpResponse> post(ModelEndpoint endpoint, String pathAndQuery, Map<String, String> headers,
                                       byte[] body, Deadline deadline, long maxAnswerBytes) {
        return open(endpoint, pathAndQuery, headers, body, deadline)
                .flatMap(stream -> collect(stream, maxAnswerBytes));
    }

    /**
     * POSTs {@code body} and completes once the status and headers have arrived (any status but a
     * redirect), leaving the body to be read from the {@link ModelStream}. Cancelling the returned
     * {@link Uni} before then resets the connection.
     */
    public Uni<ModelStream> open(ModelEndpoint endpoint, String pathAndQuery, Map<String, String> headers,
                                 byte[] body, Deadline deadline) {
        String url = endpoint.url(pathAndQuery);
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setSsl(endpoint.tls())
                .setURI(pathAndQuery)
                .setFollowRedirects(false)
                .putHeader("Host", endpoint.authority());
        headers.forEach(request::putHeader);
        Uni<ModelStream> opened = Uni.createFrom().emitter(emitter ->
                new Exchange(endpoint, request, Buffer.buffer(body), deadline, url).start(emitter));
        return opened.flatMap(stream -> stream.status() / 100 == 3 ? redirected(stream) : Uni.createFrom().item(stream));
    }

    /** The rest of an answer's body, at most {@code maxAnswerBytes} of it. */
    public Uni<ModelHttpResponse> collect(ModelStream stream, long maxAnswerBytes) {
        return Uni.createFrom().emitter(emitter -> {
            // a caller that goes away while the body comes takes the connection with it (a no-op once it ended)
            emitter.onTermination(stream::cancel);
            Buffer content = Buffer.buffer();
            boolean[] over = new boolean[1];
            stream.read(piece -> {
                if (over[0]) {
                    return;
                }
                if ((long) content.length() + piece.length() > maxAnswerBytes) {
                    over[0] = true;
                    stream.cancel();
                    emitter.fail(new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, stream.status(),
                            "model server at " + stream.url() + " answered with more than " + maxAnswerBytes
                                    + " bytes (enclave.adapter.max-answer-bytes)"));
                    return;
                }
                content.appendBuffer(piece);
            }, () -> emitter.complete(new ModelHttpResponse(stream.status(), stream.headers(),
                    content.toString(StandardCharsets.UTF_8))), emitter::fail);
        });
    }

    /** The checked address; a host name is resolved on a worker, as the JVM's resolver blocks. */
    private Future<InetAddress> admit(ModelEndpoint endpoint) {
        if (endpoint.literal() != null) {
            try {
                return Future.succeededFuture(guard.admit(endpoint));
            } catch (ModelCallException e) {
                return Future.failedFuture(e);
            }
        }
        return context.executeBlocking(() -> guard.admit(endpoint), false);
    }

    private Uni<ModelStream> redirected(ModelStream stream) {
        // the body of a redirect is of no interest, and the connection is not worth keeping for it
        stream.cancel();
        String url = stream.url();
        String location = stream.header("location");
        if (location == null) {
            return Uni.createFrom().failure(new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR,
                    stream.status(), "model server at " + url + " answered " + stream.status() + " without a Location"));
        }
        String shown = location.length() > 200 ? location.substring(0, 200) + "…" : location;
        ModelCallException notFollowed = new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR,
                stream.status(), "model server at " + url + " answered " + stream.status() + " redirecting to " + shown
                + "; redirects are not followed, configure the endpoint that answers directly");
        ModelEndpoint target;
        try {
            target = ModelEndpoint.parse(URI.create(url).resolve(location).toString());
        } catch (IllegalArgumentException e) {
            // a Location that is no usable URL is reported as the plain redirect
            return Uni.createFrom().failure(notFollowed);
        }
        return Uni.createFrom().completionStage(() -> admit(target).toCompletionStage())
                .onItemOrFailure().transformToUni((address, failure) -> {
                    if (failure instanceof ModelCallException e && e.kind() == ModelCallException.Kind.EGRESS_DENIED) {
                        return Uni.createFrom().failure(new ModelCallException(ModelCallException.Kind.EGRESS_DENIED,
                                null, "model server at " + url + " redirected to " + shown + ", which is refused: "
                                + e.getMessage()));
                    }
                    return Uni.createFrom().failure(notFollowed);
                });
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

    /**
     * A connection the model server refused (it sent a reset to the connect): the request was not
     * sent. A connect timeout is not retried: it already took the connect timeout.
     */
    static boolean refused(Throwable failure) {
        return failure instanceof ConnectException && !(failure instanceof ConnectTimeoutException);
    }

    /** A connection for {@code options}, opened on the egress context; retried once when refused. */
    private Future<HttpClientRequest> connect(RequestOptions options) {
        Uni<HttpClientRequest> attempt = Uni.createFrom().emitter(emitter -> onContext(() ->
                http.request(options).onComplete(result -> {
                    if (result.succeeded()) {
                        emitter.complete(result.result());
                    } else {
                        emitter.fail(result.cause());
                    }
                })));
        io.vertx.core.Promise<HttpClientRequest> promise = io.vertx.core.Promise.promise();
        connectRetry.get(() -> attempt, CONNECTION)
                .subscribe().with(request -> onContext(() -> promise.complete(request)),
                        failure -> onContext(() -> promise.fail(failure)));
        return promise.future();
    }

    static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }

    /** Runs on the egress context: at once when already there, else queued to it. */
    private void onContext(Runnable action) {
        if (Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(ignored -> action.run());
        }
    }

    /** Resets a request of ours without Vert.x logging the reset it caused at ERROR (see Exchange#close). */
    static void quietReset(HttpClientRequest request) {
        try {
            request.exceptionHandler(ignored -> {
            });
        } catch (IllegalStateException alreadyEnded) {
            // Vert.x refuses a handler once the request was sent in full; a reset then fails only
            // the response (ours to handle) and Vert.x logs nothing, so there is nothing to quiet.
        }
        request.reset();
    }

    /** One model call. Its fields are only touched on {@link #context}. */
    private final class Exchange implements ModelStream {

        private final ModelEndpoint endpoint;
        private final RequestOptions options;
        private final Buffer body;
        private final Deadline deadline;
        private final String url;
        private UniEmitter<? super ModelStream> opening;
        private boolean opened;
        private long timer = -1;
        /** Ended, failed, timed out or cancelled: nothing more is delivered and the connection is done with. */
        private boolean closed;
        private HttpClientRequest request;
        private HttpClientResponse response;
        private volatile Map<String, String> headers = Map.of();
        private volatile int status;
        private Consumer<ModelCallException> failure;
        /** A failure that came before anyone was reading. */
        private ModelCallException pendingFailure;

        Exchange(ModelEndpoint endpoint, RequestOptions options, Buffer body, Deadline deadline, String url) {
            this.endpoint = endpoint;
            this.options = options;
            this.body = body;
            this.deadline = deadline;
            this.url = url;
        }

        void start(UniEmitter<? super ModelStream> emitter) {
            this.opening = emitter;
            // a caller that goes away before the model answered takes the connection with it
            emitter.onTermination(() -> onContext(() -> {
                if (!opened) {
                    close();
                }
            }));
            onContext(() -> {
                // the time left of the call's deadline (time spent queued in the bulkhead is gone)
                timer = vertx.setTimer(Math.max(1, deadline.remaining().toMillis()), id -> timedOut());
                admit(endpoint)
                        .compose(address -> {
                            if (closed) {
                                return Future.failedFuture("abandoned");
                            }
                            options.setServer(SocketAddress.inetSocketAddress(
                                    new InetSocketAddress(address, endpoint.port())));
                            return connect(options);
                        })
                        .compose(sending -> {
                            request = sending;
                            if (closed) {
                                quietReset(sending);
                                return Future.failedFuture("abandoned");
                            }
                            return sending.send(body);
                        })
                        .onComplete(result -> {
                            if (closed) {
                                if (result.succeeded()) {
                                    quietReset(result.result().request());
                                }
                                return;
                            }
                            if (result.failed()) {
                                closed = true;
                                vertx.cancelTimer(timer);
                                opening.fail(result.cause() instanceof ModelCallException e ? e
                                        : new ModelCallException(ModelCallException.Kind.UNREACHABLE, null,
                                        "model server at " + url + " is unreachable: " + describe(result.cause())));
                                return;
                            }
                            answered(result.result());
                        });
            });
        }

        private void answered(HttpClientResponse answer) {
            response = answer;
            // held until someone reads, so that no piece of the body is lost in between
            answer.pause();
            Map<String, String> copy = new HashMap<>();
            answer.headers().forEach(header -> copy.putIfAbsent(header.getKey().toLowerCase(Locale.ROOT),
                    header.getValue()));
            headers = copy;
            status = answer.statusCode();
            answer.exceptionHandler(cause -> fail(new ModelCallException(ModelCallException.Kind.UNREACHABLE, null,
                    "the connection to model server at " + url + " broke during the answer: " + describe(cause))));
            opened = true;
            opening.complete(this);
        }

        private void timedOut() {
            if (closed) {
                return;
            }
            ModelCallException e = new ModelCallException(ModelCallException.Kind.TIMEOUT, null,
                    "model server at " + url + " did not answer within " + seconds(deadline.budget()));
            // close the connection, so the model server stops working for nobody
            close();
            if (!opened) {
                opening.fail(e);
            } else {
                deliver(e);
            }
        }

        private void fail(ModelCallException e) {
            if (closed) {
                return;
            }
            close();
            deliver(e);
        }

        private void deliver(ModelCallException e) {
            if (failure != null) {
                failure.accept(e);
            } else {
                pendingFailure = e;
            }
        }

        private void close() {
            closed = true;
            vertx.cancelTimer(timer);
            if (request != null) {
                // Our own reset (the caller left, the deadline passed, or the call failed) fails the
                // request with "Stream reset: 0"; with no exception handler Vert.x logs that at ERROR
                // (HttpClientRequestImpl), noise on every cancelled stream. The exchange is already
                // closed and whatever made us close it is reported on its own, so the reset's
                // exception is dropped, for this request only, from the moment we reset it (before
                // that the request has no handler of its own; failures of other requests still log).
                quietReset(request);
            }
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public Map<String, String> headers() {
            return headers;
        }

        @Override
        public String url() {
            return url;
        }

        @Override
        public void read(Consumer<Buffer> piece, Runnable end, Consumer<ModelCallException> failed) {
            onContext(() -> {
                failure = failed;
                if (pendingFailure != null) {
                    failed.accept(pendingFailure);
                    return;
                }
                if (closed) {
                    return;
                }
                response.handler(buffer -> {
                    if (!closed) {
                        piece.accept(buffer);
                    }
                });
                response.endHandler(ignored -> {
                    if (!closed) {
                        closed = true;
                        vertx.cancelTimer(timer);
                        end.run();
                    }
                });
                response.resume();
            });
        }

        /** Queued even when called on the egress loop, so that pauses and resumes run in the order they were asked for. */
        @Override
        public void pause() {
            context.runOnContext(ignored -> {
                if (!closed && response != null) {
                    response.pause();
                }
            });
        }

        @Override
        public void resume() {
            context.runOnContext(ignored -> {
                if (!closed && response != null) {
                    response.resume();
                }
            });
        }

        @Override
        public void cancel() {
            onContext(() -> {
                if (!closed) {
                    close();
                }
            });
        }
    }
}
