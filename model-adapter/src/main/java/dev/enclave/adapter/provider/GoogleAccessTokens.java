package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.egress.EgressHttpClient;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.service.Deadline;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * OAuth 2 access tokens for Google service accounts, as Google's client libraries get them: a JWT
 * ({@code iss} the account's e-mail, {@code scope} cloud-platform, {@code aud} the key file's
 * {@code token_uri}, valid one hour) signed RS256 with the account's private key with SmallRye
 * JWT, exchanged at {@code token_uri} ({@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer})
 * for a bearer token. The token endpoint is called through {@link EgressHttpClient}, so it must pass
 * the same egress allowlist as every model call.
 *
 * <p>Tokens are cached per key file (by its SHA-256) until {@code enclave.adapter.vertex.token-refresh-margin}
 * before they expire. Concurrent calls that need a new token share one exchange; a failed exchange
 * is not cached, so the next call tries again, and a token the model server refuses with 401 is
 * dropped ({@link #forget}). Neither the key nor a token is ever logged or put in
 * a message.
 */
@ApplicationScoped
public class GoogleAccessTokens {

    static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    /** Google's limit for an assertion's lifetime. */
    static final Duration ASSERTION_LIFETIME = Duration.ofHours(1);
    private static final long MAX_ANSWER_BYTES = 64 * 1024;
    private static final Logger LOG = Logger.getLogger(GoogleAccessTokens.class);

    private record Token(String value, Instant refreshAt) {
        @Override
        public String toString() {
            return "Token[refreshAt=" + refreshAt + "]";
        }
    }

    private final EgressHttpClient http;
    private final ObjectMapper json;
    private final Duration refreshMargin;
    private final Duration exchangeTimeout;
    private final ConcurrentMap<String, CompletableFuture<Token>> tokens = new ConcurrentHashMap<>();

    public GoogleAccessTokens(EgressHttpClient http, ObjectMapper json, AdapterConfig config) {
        this.http = http;
        this.json = json;
        this.refreshMargin = config.vertex().tokenRefreshMargin();
        this.exchangeTimeout = config.readTimeout();
    }

    /**
     * A bearer token for the account: the cached one while it is fresh, else a new one (shared with
     * every concurrent caller). The caller waits at most until its deadline.
     *
     * @return the token, or a failure with a {@link ModelCallException}: {@code INVALID_REQUEST} for a
     *         token_uri that is not a valid URL, {@code EGRESS_DENIED}, {@code UNREACHABLE},
     *         {@code TIMEOUT}, or {@code MODEL_SERVER_ERROR} naming the token endpoint's refusal
     */
    public Uni<String> token(GoogleServiceAccount account, Deadline deadline) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<Token> shared = tokens.compute(account.fingerprint(), (key, current) ->
                    current != null && usable(current) ? current : exchange(account));
            Duration wait = deadline.remaining();
            if (wait.isNegative() || wait.isZero()) {
                return Uni.createFrom().failure(timeout(account, deadline));
            }
            return Uni.createFrom().completionStage(shared.copy())
                    .ifNoItem().after(wait).failWith(() -> timeout(account, deadline))
                    .map(Token::value);
        });
    }

    /**
     * Drops the account's cached token (an exchange in flight is left to finish for its callers), so
     * the next call exchanges anew.
     */
    public void forget(GoogleServiceAccount account) {
        tokens.computeIfPresent(account.fingerprint(), (key, current) -> current.isDone() ? null : current);
    }

    /** In flight, or done with a token that is not due for refresh yet (a failed exchange is never reused). */
    private static boolean usable(CompletableFuture<Token> current) {
        if (!current.isDone()) {
            return true;
        }
        if (current.isCompletedExceptionally()) {
            return false;
        }
        return Instant.now().isBefore(current.join().refreshAt());
    }

    private CompletableFuture<Token> exchange(GoogleServiceAccount account) {
        ModelEndpoint endpoint;
        try {
            endpoint = ModelEndpoint.parse(account.tokenUri());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(ProviderCall.invalid(
                    "the service account's token_uri is not usable: " + e.getMessage()));
        }
        String assertion;
        try {
            assertion = assertion(account);
        } catch (JwtException e) {
            return CompletableFuture.failedFuture(ProviderCall.invalid("cannot sign a JWT with the private_key of "
                    + "service account " + account.clientEmail() + ": " + e.getClass().getSimpleName()));
        }
        byte[] form = ("grant_type=" + URLEncoder.encode(JWT_BEARER, StandardCharsets.UTF_8)
                + "&assertion=" + URLEncoder.encode(assertion, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        String path = endpoint.basePath().isEmpty() ? "/" : endpoint.basePath();
        String url = endpoint.url(path);
        Instant sent = Instant.now();
        return http.post(endpoint, path, Map.of("Content-Type", "application/x-www-form-urlencoded",
                                "Accept", "application/json"), form, Deadline.after(exchangeTimeout), MAX_ANSWER_BYTES)
                .onFailure(ModelCallException.class).transform(e -> {
                    ModelCallException failure = (ModelCallException) e;
                    return new ModelCallException(failure.kind(), failure.modelStatus(),
                            "cannot get an access token for service account " + account.clientEmail()
                                    + " from its token_uri " + url + ": " + failure.getMessage());
                })
                .map(response -> token(account, url, sent, response))
                .subscribeAsCompletionStage();
    }

    String assertion(GoogleServiceAccount account) {
        Instant now = Instant.now();
        var jws = Jwt.claims()
                .issuer(account.clientEmail())
                .audience(account.tokenUri())
                .claim("scope", SCOPE)
                .issuedAt(now)
                .expiresAt(now.plus(ASSERTION_LIFETIME))
                .jws()
                .algorithm(SignatureAlgorithm.RS256);
        if (account.privateKeyId() != null && !account.privateKeyId().isBlank()) {
            jws.keyId(account.privateKeyId());
        }
        return jws.sign(account.privateKey());
    }

    private Token token(GoogleServiceAccount account, String url, Instant sent, ModelHttpResponse response) {
        JsonNode body = ErrorBodies.json(json, response.body());
        if (response.status() / 100 != 2) {
            String reason = body != null && body.path("error").isTextual()
                    ? body.get("error").asText() + (body.path("error_description").isTextual()
                            ? ": " + body.get("error_description").asText() : "")
                    : body != null && VertexAiProvider.googleReason(body) != null
                            ? VertexAiProvider.googleReason(body) : ErrorBodies.raw(response.body());
            LOG.infof("Token endpoint %s refused service account %s: %d %s", url, account.clientEmail(),
                    response.status(), reason);
            throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.status(),
                    "the token endpoint " + url + " refused service account " + account.clientEmail() + " with "
                            + response.status() + ": " + reason);
        }
        if (body == null || !body.path("access_token").isTextual() || body.get("access_token").asText().isBlank()) {
            throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.status(),
                    "the token endpoint " + url + " answered without an access_token for service account "
                            + account.clientEmail());
        }
        long expiresIn = body.path("expires_in").canConvertToLong() ? body.get("expires_in").asLong() : 3600;
        Instant refreshAt = sent.plusSeconds(expiresIn).minus(refreshMargin);
        LOG.debugf("Got an access token for service account %s, valid %d s", account.clientEmail(), expiresIn);
        return new Token(body.get("access_token").asText(), refreshAt);
    }

    private static ModelCallException timeout(GoogleServiceAccount account, Deadline deadline) {
        return new ModelCallException(ModelCallException.Kind.TIMEOUT, null, "no access token for service account "
                + account.clientEmail() + " within " + deadline.budget().toMillis() + " ms");
    }
}
