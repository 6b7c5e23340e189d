package dev.enclave.instance.client;

import dev.enclave.instance.config.InstanceConfig;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.smallrye.mutiny.vertx.MultiHelper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Posts to an AI gateway (self-hosted or cloud) and hands back its answer untouched, without
 * holding a thread while the gateway works: Vert.x' HTTP client on the event loop, answers as
 * Mutiny {@link Uni}/{@link Multi}. The gateway URL comes from the AI settings and may change at
 * any time, so there is one client whose connection pool is kept per gateway origin (up to
 * {@code enclave.instance.gateway-max-connections} each) rather than a client per URL.
 * <p>
 * Fault tolerance, per gateway origin (a SmallRye {@link TypedGuard} each, in a bounded map since
 * the URLs are dynamic):
 * <ul>
 * <li>a bulkhead bounds the concurrent calls (a stream keeps its slot until it ends), with a short
 * queue; beyond it a call fails at once, so a hung gateway cannot take more than its share;
 * <li>a circuit breaker counts the calls that failed in transport (unreachable, connection lost)
 * and, once open, refuses calls at once; a gateway that answered, whatever the status, is alive, and
 * a call that ran out of the request's own budget says nothing about the gateway (under a burst the
 * budget often runs out while the call queues on this host), so neither counts;
 * <li>the deadline: the request's budget ({@link Deadline}) bounds the whole call, stream included;
 * the gateway is told what remains minus a margin ({@value #TIMEOUT_HEADER}), so it gives up
 * first and its own error still reaches us. The margin grows with the budget ({@link
 * #deadlineMarginMillis}) and the value is computed as the request is written (after admission
 * and connection), not when the request arrived.
 * </ul>
 * No retry: once a request was sent the gateway may have started the (paid, slow) model call.
 * <p>
 * The guard brackets the exchange rather than wrapping one Uni: its action only takes the
 * permit, which the exchange gives back when it ends (answer read, stream over, failure, caller
 * gone, or deadline), reporting a transport failure or timeout to the breaker. That way the
 * bulkhead counts streams until their end and cancellation stays in our hands.
 * <p>
 * Failures are {@link GatewayUnavailableException}s whose message names the AI gateway and what
 * happened, never its address or an exception's text; those are logged with the request id.
 */
@ApplicationScoped
public class AiGatewayClient {

    /** The remaining budget, in milliseconds, given to the gateway. */
    public static final String TIMEOUT_HEADER = "X-Enclave-Timeout-Ms";

    public record GatewayResponse(int status, String contentType, byte[] body) {
    }

    /**
     * A gateway answer whose status and content type are known. For 2xx the body is the gateway's
     * stream as it arrives (read only as fast as it is consumed; cancelling it closes the gateway
     * connection); otherwise it is the gateway's whole error answer.
     */
    public record GatewayStream(int status, String contentType, Multi<byte[]> body) {
    }

    /** The gateway could not be reached, did not answer in time, or is not being called; the message says which. */
    public static class GatewayUnavailableException extends RuntimeException {
        private final Long retryAfterSeconds;

        public GatewayUnavailableException(String message) {
            this(message, null);
        }

        public GatewayUnavailableException(String message, Long retryAfterSeconds) {
            super(message);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        /** When to retry ({@code Retry-After}), when known: the breaker's delay, or 1 s for a full bulkhead. */
        public Long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /**
     * The gateway could not be reached or the connection to it broke: the only failures the
     * gateway's circuit breaker counts. Running out of the request's own budget is not one (under a
     * burst the budget often runs out while the call still queues here, which says nothing about
     * the gateway, and a breaker opened by it would refuse every AI request, to healthy models too);
     * nor is a gateway answer, nor our own pool or bulkhead being full.
     */
    static final class GatewayTransportException extends GatewayUnavailableException {
        GatewayTransportException(String message) {
            super(message);
        }
    }

    private record Call(HttpClientRequest request, HttpClientResponse response) {
    }

    private static final Logger LOG = Logger.getLogger(AiGatewayClient.class);
    private static final TypeLiteral<Uni<Void>> PERMIT = new TypeLiteral<>() {
    };

    private final Vertx vertx;
    private final HttpClient http;
    private final InstanceConfig config;
    /** Guard per gateway origin, least recently used dropped beyond {@code gateway.max-guards}. */
    private final Map<String, TypedGuard<Uni<Void>>> guards;

    public AiGatewayClient(Vertx vertx, InstanceConfig config) {
        this.vertx = vertx;
        this.config = config;
        InstanceConfig.GatewayBulkhead bulkhead = config.gateway().bulkhead();
        this.http = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setConnectTimeout(3000).setKeepAlive(true).setTcpNoDelay(true))
                // The bulkhead admits at most limit calls per origin; the pool's own wait queue is
                // bounded too, so that nothing queues without limit if the pool is the smaller.
                .with(new PoolOptions().setHttp1MaxSize(config.gatewayMaxConnections())
                        .setMaxWaitQueueSize(bulkhead.limit() + bulkhead.queueSize()))
                // A broken connection fails its request, which reports it (with the request id);
                // Vert.x would otherwise log it a second time, without context, as an error.
                .withConnectHandler(connection -> connection.exceptionHandler(e ->
                        LOG.debugf("AI gateway connection to %s: %s", connection.remoteAddress(), e)))
                .build();
        int maxGuards = config.gateway().maxGuards();
        this.guards = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, TypedGuard<Uni<Void>>> eldest) {
                return size() > maxGuards;
            }
        };
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /** The whole answer within the deadline; running out of time closes the connection. */
    public Uni<GatewayResponse> post(String gatewayUrl, String path, Map<String, String> headers, byte[] jsonBody,
                                     Deadline deadline) {
        Object requestId = MDC.get("requestId");
        return Uni.createFrom().deferred(() -> {
            Exchange exchange;
            try {
                exchange = new Exchange(gatewayUrl, deadline, requestId);
            } catch (IllegalArgumentException e) {
                return Uni.createFrom().failure(unusableUrl(gatewayUrl, e));
            }
            return admit(exchange)
                    .onItem().transformToUni(admitted -> open(exchange, path, headers, jsonBody))
                    .onItem().transformToUni(call -> wholeBody(exchange, call)
                            .map(body -> new GatewayResponse(call.response().statusCode(), contentType(call), body)))
                    .ifNoItem().after(remaining(deadline)).failWith(exchange::timedOutNow)
                    .onTermination().invoke((item, failure, cancelled) -> exchange.release(failure));
        });
    }

    /**
     * The answer's head within the deadline; then a 2xx body streams until the gateway ends it or
     * the deadline passes (which closes the connection and fails the stream); a non-2xx body is
     * read whole (to pass it on as it is).
     */
    public Uni<GatewayStream> stream(String gatewayUrl, String path, Map<String, String> headers, byte[] jsonBody,
                                     Deadline deadline) {
        Object requestId = MDC.get("requestId");
        return Uni.createFrom().deferred(() -> {
            Exchange exchange;
            try {
                exchange = new Exchange(gatewayUrl, deadline, requestId);
            } catch (IllegalArgumentException e) {
                return Uni.createFrom().failure(unusableUrl(gatewayUrl, e));
            }
            return admit(exchange)
                    .onItem().transformToUni(admitted -> open(exchange, path, headers, jsonBody))
                    .ifNoItem().after(remaining(deadline)).failWith(exchange::timedOutNow)
                    .onFailure().invoke(exchange::release)
                    .onCancellation().invoke(() -> exchange.release(null))
                    .onItem().transformToUni(call -> {
                        int status = call.response().statusCode();
                        if (status / 100 != 2) {
                            return wholeBody(exchange, call)
                                    .map(body -> new GatewayStream(status, contentType(call),
                                            Multi.createFrom().item(body)))
                                    .onTermination().invoke((item, failure, cancelled) -> exchange.release(failure));
                        }
                        Multi<byte[]> body = MultiHelper.toMulti(call.response())
                                .map(Buffer::getBytes)
                                .onFailure().transform(exchange::failed)
                                .onTermination().invoke((failure, cancelled) -> exchange.release(failure))
                                // The reader went away (or stopped reading on purpose): close the gateway
                                // connection so that the model stops. Handlers go first, so that the reset
                                // is not reported as a failure to a reader that already left.
                                .onCancellation().invoke(() -> {
                                    call.response().handler(null).exceptionHandler(null).endHandler(null);
                                    call.request().reset();
                                });
                        return Uni.createFrom().item(new GatewayStream(status, contentType(call), body));
                    });
        });
    }

    /** What the gateway is told it has ({@value #TIMEOUT_HEADER}) when {@code remainingMillis} remain here. */
    long gatewayBudget(long remainingMillis) {
        InstanceConfig.Gateway gateway = config.gateway();
        return remainingMillis - deadlineMarginMillis(remainingMillis, gateway.deadlineMargin().toMillis(),
                gateway.deadlineMarginRatio(), gateway.deadlineMarginMax().toMillis());
    }

    /**
     * The margin kept back from the gateway: {@code max(floor, min(cap, ratio × remaining))}. It
     * grows with the budget because the time lost to queueing on a busy host does too; the floor
     * holds even for short budgets, the cap keeps long budgets (chat, minutes) from losing much.
     */
    static long deadlineMarginMillis(long remainingMillis, long floorMillis, double ratio, long capMillis) {
        long proportional = Math.min(capMillis, (long) Math.ceil(ratio * Math.max(0, remainingMillis)));
        return Math.max(floorMillis, proportional);
    }

    private static Duration remaining(Deadline deadline) {
        return Duration.ofMillis(Math.max(1, deadline.remainingMillis()));
    }

    private GatewayUnavailableException unusableUrl(String gatewayUrl, Exception e) {
        LOG.errorf("[%s] AI gateway URL %s cannot be used: %s", MDC.get("requestId"), gatewayUrl, e.getMessage());
        return new GatewayUnavailableException("the AI gateway URL in the AI settings cannot be used");
    }

    /** The origin's guard, created on first use with the configured policy. */
    private TypedGuard<Uni<Void>> guardFor(String origin) {
        synchronized (guards) {
            return guards.computeIfAbsent(origin, this::newGuard);
        }
    }

    private TypedGuard<Uni<Void>> newGuard(String origin) {
        InstanceConfig.GatewayCircuitBreaker breaker = config.gateway().circuitBreaker();
        InstanceConfig.GatewayBulkhead bulkhead = config.gateway().bulkhead();
        return TypedGuard.create(PERMIT)
                .withDescription("AI gateway " + origin)
                .withCircuitBreaker()
                .requestVolumeThreshold(breaker.requestVolumeThreshold())
                .failureRatio(breaker.failureRatio())
                .delay(breaker.delay().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(breaker.successThreshold())
                .failOn(GatewayTransportException.class)
                .onStateChange(state -> LOG.warnf("AI gateway %s: circuit breaker %s", origin, state))
                .done()
                .withBulkhead()
                .limit(bulkhead.limit())
                .queueSize(bulkhead.queueSize())
                .done()
                .withThreadOffload(false)
                .build();
    }

    /**
     * Takes a permit from the origin's guard (circuit breaker, then bulkhead). The permit is
     * released by {@link Exchange#release}; a caller gone while queued gives it back at once.
     */
    private Uni<Void> admit(Exchange exchange) {
        TypedGuard<Uni<Void>> guard = guardFor(exchange.origin);
        return Uni.createFrom().emitter(admitted -> {
            // 0 waiting, 1 admitted, 2 the caller left before being admitted
            AtomicInteger state = new AtomicInteger();
            admitted.onTermination(() -> state.compareAndSet(0, 2));
            guard.get(() -> Uni.createFrom().<Void>emitter(permit -> {
                if (!state.compareAndSet(0, 1)) {
                    permit.complete(null);
                    return;
                }
                exchange.hold(permit);
                admitted.complete(null);
            })).subscribe().with(ignored -> {
            }, failure -> {
                if (state.compareAndSet(0, 1)) {
                    admitted.fail(exchange.refused(failure));
                }
            });
        });
    }

    /** Sends the request; the answer comes back paused, so that nothing of its body is lost or read ahead. */
    private Uni<Call> open(Exchange exchange, String path, Map<String, String> headers, byte[] jsonBody) {
        if (gatewayBudget(exchange.deadline.remainingMillis()) <= 0) {
            return Uni.createFrom().failure(exchange.timedOutNow());
        }
        RequestOptions options;
        try {
            options = new RequestOptions().setMethod(HttpMethod.POST)
                    .setAbsoluteURI(stripTrailingSlash(exchange.gatewayUrl) + path)
                    .setIdleTimeout(exchange.deadline.remainingMillis());
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(unusableUrl(exchange.gatewayUrl, e));
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
                    emitter.fail(exchange.failed(opened.cause()));
                    return;
                }
                HttpClientRequest request = opened.result();
                sent.set(request);
                exchange.request = request;
                if (abandoned.get()) {
                    request.reset();
                    return;
                }
                // The budget the gateway gets is computed now, as the request is written: after the
                // bulkhead admitted it and a connection was acquired, so the time spent waiting for
                // those is not handed to the gateway as time it still has.
                long budget = gatewayBudget(exchange.deadline.remainingMillis());
                if (budget <= 0) {
                    request.reset();
                    emitter.fail(exchange.timedOutNow());
                    return;
                }
                request.putHeader(TIMEOUT_HEADER, Long.toString(budget));
                request.send(Buffer.buffer(jsonBody)).onComplete(answer -> {
                    if (answer.failed()) {
                        emitter.fail(exchange.failed(answer.cause()));
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

    private Uni<byte[]> wholeBody(Exchange exchange, Call call) {
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
                    emitter.fail(exchange.failed(body.cause()));
                }
            });
            call.response().resume();
        });
    }

    private static String contentType(Call call) {
        String type = call.response().getHeader("Content-Type");
        return type == null ? "application/json" : type;
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String origin(String gatewayUrl) {
        URI uri = URI.create(gatewayUrl.trim());
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("not an absolute URL");
        }
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return uri.getScheme().toLowerCase() + "://" + uri.getHost().toLowerCase() + ":" + port;
    }

    /** One call to a gateway: its permit, its deadline, its connection, and how it failed. */
    private final class Exchange {
        final String gatewayUrl;
        final String origin;
        final Deadline deadline;
        final Object requestId;
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile UniEmitter<? super Void> permit;
        private volatile long timer = -1;
        volatile HttpClientRequest request;
        private volatile boolean expired;

        Exchange(String gatewayUrl, Deadline deadline, Object requestId) {
            this.gatewayUrl = gatewayUrl;
            this.requestId = requestId;
            this.origin = origin(gatewayUrl);
            this.deadline = deadline;
        }

        /**
         * Admitted: keep the permit, and make sure it is given back by the deadline at the latest
         * (closing the connection, which ends a stream still being read).
         */
        void hold(UniEmitter<? super Void> permit) {
            this.permit = permit;
            timer = vertx.setTimer(Math.max(1, deadline.remainingMillis()), id -> expire());
        }

        private void expire() {
            if (released.get()) {
                return;
            }
            HttpClientRequest sent = request;
            if (sent != null) {
                sent.reset();
            }
            release(timedOutNow());
        }

        /** Gives the permit back; a transport failure (not a timeout) counts against the gateway's breaker. */
        void release(Throwable failure) {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            UniEmitter<? super Void> held = permit;
            if (held != null) {
                // Only transport failures count against the breaker (see GatewayTransportException).
                if (failure instanceof GatewayTransportException) {
                    held.fail(failure);
                } else {
                    held.complete(null);
                }
            }
        }

        GatewayUnavailableException timedOut() {
            return new GatewayUnavailableException("AI gateway did not answer within " + deadline.describeBudget());
        }

        /** The deadline passed now: say so once in the log. */
        GatewayUnavailableException timedOutNow() {
            if (!expired) {
                expired = true;
                LOG.warnf("[%s] AI gateway at %s did not answer within the request's budget of %s", requestId,
                        gatewayUrl, deadline.describeBudget());
            }
            return timedOut();
        }

        GatewayUnavailableException failed(Throwable cause) {
            if (cause instanceof GatewayUnavailableException known) {
                return known;
            }
            if (expired || deadline.expired() || cause instanceof TimeoutException) {
                return timedOutNow();
            }
            if (cause instanceof ConnectionPoolTooBusyException) {
                LOG.warnf("[%s] AI gateway at %s: connection pool full: %s", requestId, gatewayUrl, cause);
                return busy();
            }
            LOG.warnf("[%s] AI gateway at %s is unreachable: %s", requestId, gatewayUrl, cause);
            return new GatewayTransportException("AI gateway is unreachable");
        }

        /** Not admitted: the breaker is open or the bulkhead full. */
        GatewayUnavailableException refused(Throwable cause) {
            if (cause instanceof CircuitBreakerOpenException) {
                LOG.warnf("[%s] AI gateway at %s: circuit breaker open, call refused", requestId, gatewayUrl);
                long delay = config.gateway().circuitBreaker().delay().toMillis();
                return new GatewayUnavailableException("AI gateway is unavailable after repeated failures; "
                        + "retry in " + TokenServiceProxy.seconds(delay), (delay + 999) / 1000);
            }
            if (cause instanceof BulkheadException) {
                LOG.warnf("[%s] AI gateway at %s: %d calls in progress and %d waiting, call refused", requestId,
                        gatewayUrl, config.gateway().bulkhead().limit(), config.gateway().bulkhead().queueSize());
                return busy();
            }
            return failed(cause);
        }

        private GatewayUnavailableException busy() {
            return new GatewayUnavailableException("AI gateway has too many requests in progress from this "
                    + "instance; retry later", 1L);
        }
    }
}
