package dev.enclave.instance;

import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.service.AiTokenCache;
import io.quarkus.test.common.QuarkusTestResource;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import org.junit.jupiter.api.AfterEach;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class AiTokenCacheTest {

    @Inject
    AiTokenCache cache;

    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeEach
    void reset() {
        FakeTokenServiceAndGateway.reset();
        cache.invalidateAll();
        breakers.resetAll();
    }

    /** The failures here must not leave token-service's breaker open for the next test class. */
    @AfterEach
    void closeBreakers() {
        breakers.resetAll();
    }

    private static void tokenServiceMints(String token, long expiresAt) {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"token\":\"" + token + "\",\"expires_at\":" + expiresAt + "}")));
    }

    private static void tokenServiceFails() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withStatus(503)));
    }

    private static int mintCalls() {
        return FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlEqualTo("/internal/v1/ai-tokens"))).size();
    }

    @Test
    void scopeSetsAreCachedSeparatelyAndOrderDoesNotMatter() {
        tokenServiceMints("t", Instant.now().plusSeconds(3600).getEpochSecond());
        cache.tokenFor(List.of("complete_code", "generate_code"));
        cache.tokenFor(List.of("generate_code", "complete_code"));
        cache.tokenFor(List.of("duo_chat"));
        assertThat(mintCalls()).isEqualTo(2);
    }

    @Test
    void tokenCloseToExpiryIsHandedOutWhileItIsRenewedInTheBackground() throws Exception {
        tokenServiceMints("old", Instant.now().plusSeconds(120).getEpochSecond());
        // Minted inside its renewal window: the first request already starts a renewal.
        assertThat(cache.tokenFor(List.of("complete_code")).token()).isEqualTo("old");
        tokenServiceMints("new", Instant.now().plusSeconds(3600).getEpochSecond());
        long guard = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        String seen = cache.tokenFor(List.of("complete_code")).token();
        while (!seen.equals("new") && System.nanoTime() < guard) {
            Thread.sleep(20);
            seen = cache.tokenFor(List.of("complete_code")).token();
        }
        assertThat(seen).isEqualTo("new");
    }

    @Test
    void tokenServiceDownDuringRenewalFallsBackToTheStillValidToken() throws Exception {
        tokenServiceMints("still-valid", Instant.now().plusSeconds(120).getEpochSecond());
        cache.tokenFor(List.of("complete_code"));
        tokenServiceFails();
        assertThat(cache.tokenFor(List.of("complete_code")).token()).isEqualTo("still-valid");
        // The renewal started in the background fails all its attempts, which opens the breaker
        // (waited for, so that it cannot reach the next test's fake).
        long guard = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (breakers.currentState(TokenServiceClient.MINT_CIRCUIT_BREAKER)
                != io.smallrye.faulttolerance.api.CircuitBreakerState.OPEN) {
            assertThat(System.nanoTime()).as("the breaker opens").isLessThan(guard);
            Thread.sleep(20);
        }
        // The breaker's window of 4 calls holds the first (successful) mint and 3 failures: open.
        assertThat(mintCalls()).isEqualTo(1 + 3);
        assertThat(cache.tokenFor(List.of("complete_code")).token()).isEqualTo("still-valid");
    }

    @Test
    void tokenServiceDownWithNothingCachedIsAnErrorThatSaysSo() {
        tokenServiceFails();
        assertThatThrownBy(() -> cache.tokenFor(List.of("complete_code")))
                .isInstanceOf(TokenServiceClient.TokenServiceUnavailableException.class)
                .hasMessage("token-service is unavailable; cannot obtain an AI gateway token");
        // Unavailable (5xx) is retried: the mint is idempotent.
        assertThat(mintCalls()).isEqualTo(4);
    }

    @Test
    void aRefusalIsNotRetriedAndSaysWhy() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withStatus(401).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_client\"}")));
        // A scope set of its own: a renewal other tests left running in the background cannot join in.
        assertThatThrownBy(() -> cache.tokenFor(List.of("duo_chat")))
                .isInstanceOf(TokenServiceClient.TokenServiceRefusedException.class)
                .hasMessageContaining("token-service refused to mint an AI token: 401 invalid_client");
        assertThat(FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlEqualTo("/internal/v1/ai-tokens"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("duo_chat")))).hasSize(1);
    }

    @Test
    void expiredTokenIsNeverHandedOut() {
        tokenServiceMints("expired", Instant.now().minusSeconds(1).getEpochSecond());
        cache.tokenFor(List.of("complete_code"));
        tokenServiceFails();
        assertThatThrownBy(() -> cache.tokenFor(List.of("complete_code")))
                .isInstanceOf(TokenServiceClient.TokenServiceException.class);
    }
}
