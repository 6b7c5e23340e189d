package dev.enclave.gateway.client;

import dev.enclave.gateway.config.AdapterPolicyConfig;
import dev.enclave.gateway.config.ClientCredentialsConfig;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.support.http.RequestIdFilter;
import io.quarkus.oidc.client.OidcClientException;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.VertxException;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.util.TypeLiteral;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Calls model-adapter without holding a thread, under its fault-tolerance policy, and turns its
 * failures into the gateway's answers: a model server's own refusal becomes 421
 * {@code "<status>: <reason>"}, an egress refusal (the model endpoint is outside the networks
 * model-adapter may reach) 403; 503 {@code "model-adapter …"} when model-adapter cannot be reached,
 * fails of its own, does not answer within the request's deadline, refuses this gateway (its
 * revocation list out of date included), or when its
 * circuit breaker is open or its bulkhead full; 503 too when token-service gives no token for it.
 * <p>
 * The policy (SmallRye Fault Tolerance, one {@link Guard} for every model-adapter call, JSON and
 * streamed): a circuit breaker that counts only model-adapter's own failures (unreachable, its own
 * 5xx), never the request's own deadline running out, never a model server's failure it relays ({@code model_server_*}: one
 * broken model must not stop every model) nor a 4xx; a bulkhead bounding the calls in flight, a
 * stream counting until it ends; the request's deadline (its time left, passed on less a margin as
 * {@code X-Enclave-Timeout-Ms} and {@code timeout_ms}) bounding the whole call, a stream included.
 * No retry: once sent, a model call is not repeated.
 */
@ApplicationScoped
public class ModelAdapterClient {

    private static final Logger LOG = Logger.getLogger(ModelAdapterClient.class);
    /** model-adapter's {@code error} for an endpoint outside its egress allowlist. */
    static final String EGRESS_DENIED = "egress_denied";
    /**
     * model-adapter's {@code error}s when it refuses the caller itself: this gateway's address is
     * outside its trusted networks, its token is not accepted, or it cannot verify tokens. None is
     * the model server's answer; each needs an operator.
     */
    private static final Set<String> CALLER_REFUSED = Set.of("ingress_denied", "invalid_token",
            "token_keys_unavailable");
    /**
     * model-adapter's {@code error} when its token revocation list is older than it may be (it cannot
     * reach token-service): it refuses every token, this gateway's too, until a poll succeeds.
     */
    static final String REVOCATION_LIST_STALE = "revocation_list_stale";
    /** The detail of that 503: names the hop and what to look at, not model-adapter's internals. */
    public static final String REVOCATION_STALE_DETAIL = "model-adapter refused this gateway's token: its token"
            + " revocation list is out of date (model-adapter cannot reach token-service); retry later";
    private static final String OIDC_CLIENT = "io.quarkus.oidc.client.";
    /** model-adapter's {@code error}s for a model server's own failure, which it relays ({@code model_server_error} …). */
    private static final String MODEL_SERVER = "model_server_";
    /**
     * Stream events held for a slow reader before reading model-adapter's response is paused, and
     * the backlog at which it resumes. Events are single deltas (a token or a few), so this bounds
     * what a stream holds to a few KB.
     */
    static final int STREAM_HIGH_WATER = 32;
    static final int STREAM_LOW_WATER = 8;

    /** The detail of a 503 for a model-adapter that cannot be reached (or whose connection failed). */
    public static final String UNREACHABLE = "model-adapter is unreachable";
    /** The circuit breaker's name, for {@link CircuitBreakerMaintenance}. */
    public static final String BREAKER = "model-adapter";
    private static final TypeLiteral<Uni<AdapterWire.GenerateResponse>> ANSWER = new TypeLiteral<>() {
    };
    private static final TypeLiteral<Uni<Void>> WHOLE_STREAM = new TypeLiteral<>() {
    };

    private final ModelAdapterApi api;
    private final String clientId;
    private final Duration margin;
    private final double marginRatio;
    private final Duration marginMax;
    private final int bulkheadLimit;
    private final Guard guard;
    private final CircuitBreakerMaintenance breakers;
    private final AtomicInteger inFlight = new AtomicInteger();

    public ModelAdapterClient(@RestClient ModelAdapterApi api, ClientCredentialsConfig credentials,
                              AdapterPolicyConfig policy, CircuitBreakerMaintenance breakers) {
        this.api = api;
        this.breakers = breakers;
        this.clientId = credentials.clientId();
        this.margin = policy.timeoutMargin();
        this.marginRatio = policy.timeoutMarginRatio();
        this.marginMax = policy.timeoutMarginMax();
        this.bulkheadLimit = policy.bulkhead().limit();
        // Quarkus' default pool is 50 connections
        checkPool(ConfigProvider.getConfig().getOptionalValue("quarkus.rest-client.model-adapter.connection-pool-size",
                        Integer.class).orElse(50), policy.bulkhead().limit(), policy.bulkhead().queueSize());
        AdapterPolicyConfig.CircuitBreaker breaker = policy.circuitBreaker();
        this.guard = Guard.create()
                .withDescription("model-adapter")
                .withCircuitBreaker()
                    // named, so that it can be read and reset through CircuitBreakerMaintenance
                    .name(BREAKER)
                    .requestVolumeThreshold(breaker.requestVolumeThreshold())
                    .failureRatio(breaker.failureRatio())
                    .delay(breaker.delay().toMillis(), ChronoUnit.MILLIS)
                    .successThreshold(breaker.successThreshold())
                    // everything else (a model's failure, a 4xx, no token, a cancelled call) counts as a success
                    .when(ModelAdapterClient::adapterFailed)
                    .onStateChange(ModelAdapterClient::breakerChanged)
                    .done()
                .withBulkhead()
                    .limit(policy.bulkhead().limit())
                    .queueSize(policy.bulkhead().queueSize())
                    .onAccepted(inFlight::incrementAndGet)
                    .onFinished(inFlight::decrementAndGet)
                    .done()
                // calls stay on the event loop: the guarded Uni never blocks
                .withThreadOffload(false)
                .build();
    }

    /**
     * The REST client's connection pool must hold a connection for every call the bulkhead admits
     * or queues: with fewer, one hung model's calls take every connection and a healthy model's
     * calls wait behind them, and a call cancelled while it waits for a connection cannot be reset
     * (it has no request yet) and is sent later anyway. Refuses to start otherwise.
     */
    static void checkPool(int poolSize, int bulkheadLimit, int queueSize) {
        if (poolSize < bulkheadLimit + queueSize) {
            throw new IllegalStateException("quarkus.rest-client.model-adapter.connection-pool-size is " + poolSize
                    + ", less than enclave.gateway.adapter.bulkhead.limit + queue-size (" + bulkheadLimit + " + "
                    + queueSize + "): set it to at least " + (bulkheadLimit + queueSize));
        }
    }

    /** Builds the client (and so checks the pool against the bulkhead) at start-up, not on the first call. */
    void onStart(@Observes StartupEvent event) {
        LOG.debugf("model-adapter client ready: bulkhead %d", bulkheadLimit);
    }

    /** What counts towards opening the breaker: model-adapter's own failures, nothing else. */
    static boolean adapterFailed(Throwable failure) {
        return failure instanceof GatewayException e && e.adapterFault();
    }

    private static void breakerChanged(CircuitBreakerState state) {
        if (state == CircuitBreakerState.OPEN) {
            LOG.warn("model-adapter's circuit breaker opened: calls fail at once until a probe succeeds");
        } else {
            LOG.infof("model-adapter's circuit breaker is %s", state);
        }
    }

    /** For health data: CLOSED, OPEN or HALF_OPEN. */
    public CircuitBreakerState breakerState() {
        return breakers.currentState(BREAKER);
    }

    /** For health data: model-adapter calls (streams included) the bulkhead admitted that have not ended. */
    public int callsInFlight() {
        return inFlight.get();
    }

    /** One JSON answer within {@code deadline}; {@code requestId} goes on as {@code X-Request-ID}. */
    public Uni<AdapterWire.GenerateResponse> generate(AdapterWire.GenerateRequest request, String requestId,
                                                      Deadline deadline) {
        return Uni.createFrom().deferred(() -> guard.get(() -> {
                    long forAdapter = deadline.forNextHopMillis(margin, marginRatio, marginMax);
                    AdapterWire.GenerateRequest call = request.withTimeoutMs(forAdapter);
                    Uni<AdapterWire.GenerateResponse> answer = request.messages() == null
                            ? api.complete(requestId, forAdapter, call) : api.chat(requestId, forAdapter, call);
                    // cancelling the call resets its request, which closes its connection at once (the REST
                    // client's UniInvoker); the pool holds a connection for every admitted call (checkPool),
                    // so no call is still waiting for one, unresettable, when its deadline passes
                    return answer.ifNoItem().after(deadline.remaining())
                            .failWith(() -> timedOut(deadline, false, request, requestId))
                            .onFailure().transform(e -> translate(e, request, requestId));
                }, ANSWER)
                // a call waiting in the bulkhead's queue has the same deadline (a call that was made logs
                // its own timeout, which fires at the same moment)
                .ifNoItem().after(deadline.remaining()).failWith(() -> timeout(deadline, false))
                .onFailure().transform(e -> refused(e, requestId)));
    }

    /**
     * {@code stream: true}: model-adapter's events as they arrive, read no faster than the
     * subscriber takes them (beyond a small backlog). A refusal before the stream fails the
     * {@code Multi} with the same {@link GatewayException} as {@link #generate}; so does a broken
     * connection, and the deadline passing before the last event. Cancelling closes
     * model-adapter's connection. The call holds its bulkhead slot, and counts for the circuit
     * breaker, until the stream ends.
     */
    public Multi<AdapterWire.StreamEvent> stream(AdapterWire.GenerateRequest request, String requestId,
                                                 Deadline deadline) {
        return Multi.createFrom().deferred(() -> {
            Admission admission = new Admission();
            Uni<UniEmitter<? super Void>> admitted = Uni.createFrom().<UniEmitter<? super Void>>emitter(admit -> {
                        admission.waitFor(admit);
                        guard.get(() -> Uni.createFrom().<Void>emitter(admission::admitted), WHOLE_STREAM)
                                // refused (breaker open, bulkhead full): nothing was admitted, so fail with it
                                .subscribe().with(ignored -> { }, admit::fail);
                    })
                    .onCancellation().invoke(admission::abandon)
                    .ifNoItem().after(deadline.remaining()).failWith(() -> {
                        RequestIdFilter.withRequestId(requestId, () -> LOG.warnf(
                                "model-adapter call not admitted within the request's %d ms (bulkhead queue)",
                                deadline.budget().toMillis()));
                        return timeout(deadline, false);
                    });
            return admitted.onItem().transformToMulti(end -> {
                        long forAdapter = deadline.forNextHopMillis(margin, marginRatio, marginMax);
                        AdapterWire.StreamingCall call = new AdapterWire.StreamingCall(
                                request.streaming().withTimeoutMs(forAdapter));
                        Multi<AdapterWire.StreamEvent> events = request.messages() == null
                                ? api.completeStream(requestId, forAdapter, call)
                                : api.chatStream(requestId, forAdapter, call);
                        Multi<AdapterWire.StreamEvent> relayed = new BoundedRelay<>(events, call.valve(),
                                STREAM_HIGH_WATER, STREAM_LOW_WATER);
                        return within(relayed, deadline, request, requestId)
                                .onFailure().transform(e -> translate(e, request, requestId))
                                // the end of the stream is the end of the guarded call: its outcome and its slot
                                .onFailure().invoke(end::fail)
                                .onCompletion().invoke(() -> end.complete(null))
                                .onCancellation().invoke(() -> end.complete(null));
                    })
                    .onFailure().transform(e -> refused(e, requestId));
        });
    }

    /**
     * The guarded call of a stream: admitted (the guard called its supplier) or abandoned (the
     * subscriber went away, or the deadline passed, while it waited in the bulkhead's queue). A call
     * admitted after it was abandoned ends at once, so that it gives its slot back.
     */
    private static final class Admission {
        private UniEmitter<? super UniEmitter<? super Void>> waiting;
        private UniEmitter<? super Void> end;
        private boolean abandoned;

        synchronized void waitFor(UniEmitter<? super UniEmitter<? super Void>> admit) {
            this.waiting = admit;
        }

        void admitted(UniEmitter<? super Void> end) {
            UniEmitter<? super UniEmitter<? super Void>> admit;
            synchronized (this) {
                this.end = end;
                admit = abandoned ? null : waiting;
            }
            if (admit == null) {
                end.complete(null);
            } else {
                admit.complete(end);
            }
        }

        /**
         * Runs only when the subscriber went away before it took the admission (Mutiny calls
         * {@code onCancellation} only then): an admission that lost that race is ended here.
         */
        void abandon() {
            UniEmitter<? super Void> admittedEnd;
            synchronized (this) {
                abandoned = true;
                admittedEnd = end;
            }
            if (admittedEnd != null) {
                admittedEnd.complete(null);
            }
        }
    }

    /**
     * The deadline bounds the whole stream: when it passes before model-adapter's stream ended,
     * reading stops (closing its connection) and the stream fails with a 503-to-be that names
     * model-adapter.
     */
    private Multi<AdapterWire.StreamEvent> within(Multi<AdapterWire.StreamEvent> events, Deadline deadline,
                                                  AdapterWire.GenerateRequest request, String requestId) {
        AtomicBoolean ended = new AtomicBoolean();
        AtomicBoolean answered = new AtomicBoolean();
        AtomicReference<Flow.Subscription> source = new AtomicReference<>();
        return events
                .onSubscription().invoke(source::set)
                .onItem().invoke(() -> answered.set(true))
                .onCompletion().invoke(() -> ended.set(true))
                .select().first(deadline.remaining())
                .onCompletion().call(() -> {
                    if (ended.get()) {
                        return Uni.createFrom().voidItem();
                    }
                    // select().first(Duration) completes without cancelling its source (Mutiny 3.1): cancel
                    // it here, which closes model-adapter's connection
                    Flow.Subscription subscription = source.get();
                    if (subscription != null) {
                        subscription.cancel();
                    }
                    return Uni.createFrom().failure(timedOut(deadline, answered.get(), request, requestId));
                });
    }

    private GatewayException timedOut(Deadline deadline, boolean answering, AdapterWire.GenerateRequest request,
                                      String requestId) {
        RequestIdFilter.withRequestId(requestId, () -> LOG.warnf("model-adapter %s within the request's %d ms for %s",
                answering ? "did not finish its answer" : "did not answer", deadline.budget().toMillis(),
                request.model()));
        return timeout(deadline, answering);
    }

    /**
     * The request's own deadline passed. Not counted against model-adapter's breaker: a hung model
     * makes every hop's budget run out, and that is not model-adapter failing (counting it would
     * stop every model because of one).
     */
    private static GatewayException timeout(Deadline deadline, boolean answering) {
        return GatewayException.unavailable((answering ? "model-adapter did not finish the answer within "
                : "model-adapter did not answer within ") + seconds(deadline.budget()));
    }

    /** The guard's own refusals, before any call was made. */
    private Throwable refused(Throwable failure, String requestId) {
        if (failure instanceof CircuitBreakerOpenException) {
            RequestIdFilter.withRequestId(requestId, () ->
                    LOG.debug("model-adapter call refused: its circuit breaker is open"));
            return GatewayException.unavailable(
                    "model-adapter is unavailable: calls are paused after repeated failures");
        }
        if (failure instanceof BulkheadException) {
            RequestIdFilter.withRequestId(requestId, () ->
                    LOG.warnf("model-adapter call refused: %d calls in flight and the queue is full", bulkheadLimit));
            return GatewayException.unavailable("model-adapter is busy: too many calls in flight");
        }
        return failure;
    }

    private RuntimeException translate(Throwable failure, AdapterWire.GenerateRequest request, String requestId) {
        if (failure instanceof GatewayException e) {
            return e;
        }
        if (failure instanceof WebApplicationException e) {
            return translate(e.getResponse(), request, requestId);
        }
        if (failure instanceof OidcClientException || thrownByOidcClient(failure)) {
            return withoutToken(failure, requestId);
        }
        if (failure instanceof ProcessingException || failure instanceof IOException
                || failure instanceof VertxException) {
            // the reactive client fails with the bare I/O error, or wraps it; the details (model-adapter's
            // address among them) go to the log only
            String reason = failure instanceof ProcessingException && failure.getCause() != null
                    ? failure.getCause().toString() : failure.toString();
            RequestIdFilter.withRequestId(requestId, () ->
                    LOG.warnf("model-adapter unreachable for %s (request %s): %s", request.model(), requestId, reason));
            return GatewayException.adapterFailed(UNREACHABLE);
        }
        return failure instanceof RuntimeException e ? e : new IllegalStateException(failure);
    }

    /**
     * The call never left: the OIDC client filter found no token for model-adapter and failed the
     * call with its own exception (token-service unreachable, or refusing the grant: the message is
     * token-service's error body), or, for an answer it cannot parse (one without a body), with
     * whatever the parsing threw, which only the place it was thrown tells apart. Not model-adapter's
     * failure: it does not count for its breaker.
     */
    private GatewayException withoutToken(Throwable e, String requestId) {
        String reason;
        if (e instanceof OidcClientException) {
            reason = e.getMessage();
            RequestIdFilter.withRequestId(requestId, () -> LOG.warnf(
                    "No token for model-adapter from token-service for client %s: %s (%s)", clientId, reason,
                    e.getCause()));
        } else {
            reason = "token-service's answer cannot be read";
            RequestIdFilter.withRequestId(requestId, () -> LOG.warnf(
                    "No token for model-adapter from token-service for client %s: %s (%s)", clientId, reason, e));
        }
        return GatewayException.unavailable("cannot obtain a token for model-adapter: " + reason);
    }

    private static boolean thrownByOidcClient(Throwable e) {
        return e.getStackTrace().length > 0 && e.getStackTrace()[0].getClassName().startsWith(OIDC_CLIENT);
    }

    private static GatewayException translate(Response response, AdapterWire.GenerateRequest request,
                                              String requestId) {
        AdapterWire.ErrorBody error = readError(response);
        String message = error == null || error.message() == null ? "HTTP " + response.getStatus() : error.message();
        int status = error != null && error.modelStatus() != null ? error.modelStatus() : response.getStatus();
        RequestIdFilter.withRequestId(requestId, () ->
                LOG.infof("Model call for %s failed: %d %s", request.model(), status, message));
        if (response.getStatus() == 400 || response.getStatus() == 422) {
            return GatewayException.invalid("model_metadata", message);
        }
        if (error != null && EGRESS_DENIED.equals(error.error())) {
            return GatewayException.forbidden(message);
        }
        if (error != null && REVOCATION_LIST_STALE.equals(error.error())) {
            // a refusal of every caller until token-service is reachable again, not a failure of a model, and
            // cheap for model-adapter: not counted by the breaker, whose delay would only outlast the outage
            RequestIdFilter.withRequestId(requestId, () ->
                    LOG.warnf("model-adapter refused this gateway (%s): %s", error.error(), message));
            return GatewayException.unavailable(REVOCATION_STALE_DETAIL);
        }
        if (error != null && CALLER_REFUSED.contains(error.error())) {
            RequestIdFilter.withRequestId(requestId, () ->
                    LOG.warnf("model-adapter refused this gateway (%s): %s", error.error(), message));
            GatewayException refusal = GatewayException.unavailable("model-adapter refused this gateway: " + message);
            // one that cannot verify tokens is unusable (its own 5xx); a refused token or address is not its failure
            return response.getStatus() >= 500
                    ? GatewayException.adapterFailed("model-adapter refused this gateway: " + message) : refusal;
        }
        boolean relayed = error != null && error.error() != null && error.error().startsWith(MODEL_SERVER);
        if (response.getStatus() >= 500 && !relayed) {
            // model-adapter's own failure, not a model's: its body (or a proxy's) stays in the log
            RequestIdFilter.withRequestId(requestId, () -> LOG.warnf(
                    "model-adapter failed for %s (request %s): HTTP %d %s", request.model(), requestId,
                    response.getStatus(), message));
            return GatewayException.adapterFailed("model-adapter failed: HTTP " + response.getStatus());
        }
        return GatewayException.modelServer(status + ": " + message);
    }

    private static AdapterWire.ErrorBody readError(Response response) {
        try {
            return response.readEntity(AdapterWire.ErrorBody.class);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code 3 s}, {@code 2.75 s}: how the gateway words a budget in its answers. */
    public static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }
}
