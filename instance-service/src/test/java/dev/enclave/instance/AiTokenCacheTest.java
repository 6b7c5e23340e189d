package dev.enclave.instance;

import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.service.AiTokenCache;
import io.quarkus.test.common.QuarkusTestResource;
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

    @BeforeEach
    void reset() {
        FakeTokenServiceAndGateway.reset();
        cache.invalidateAll();
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
    void tokenCloseToExpiryIsRenewed() {
        tokenServiceMints("old", Instant.now().plusSeconds(120).getEpochSecond());
        cache.tokenFor(List.of("complete_code"));
        tokenServiceMints("new", Instant.now().plusSeconds(3600).getEpochSecond());
        assertThat(cache.tokenFor(List.of("complete_code")).token()).isEqualTo("new");
    }

    @Test
    void tokenServiceDownDuringRenewalFallsBackToTheStillValidToken() {
        tokenServiceMints("still-valid", Instant.now().plusSeconds(120).getEpochSecond());
        cache.tokenFor(List.of("complete_code"));
        tokenServiceFails();
        assertThat(cache.tokenFor(List.of("complete_code")).token()).isEqualTo("still-valid");
    }

    @Test
    void tokenServiceDownWithNothingCachedIsAnErrorThatSaysSo() {
        tokenServiceFails();
        assertThatThrownBy(() -> cache.tokenFor(List.of("complete_code")))
                .isInstanceOf(TokenServiceClient.TokenServiceException.class)
                .hasMessageContaining("token-service refused to mint an AI token: 503");
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
