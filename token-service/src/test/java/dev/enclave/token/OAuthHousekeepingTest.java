package dev.enclave.token;

import dev.enclave.token.domain.AccessTokenRevocation;
import dev.enclave.token.domain.IssuedAccessToken;
import dev.enclave.token.domain.OAuthGrant;
import dev.enclave.token.domain.OAuthRefreshToken;
import dev.enclave.token.service.OAuthHousekeeping;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.code;
import static dev.enclave.token.OAuthTestClient.exchange;
import static dev.enclave.token.OAuthTestClient.jti;
import static dev.enclave.token.OAuthTestClient.newOwnerId;
import static dev.enclave.token.OAuthTestClient.revoke;
import static dev.enclave.token.OAuthTestClient.tokens;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
class OAuthHousekeepingTest {

    @Inject
    TestClock clock;

    @Inject
    OAuthHousekeeping housekeeping;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void purgeDeletesWhatHasExpiredAndKeepsUsedCodesForReplayDetection() throws Exception {
        OAuthTestClient.App app = app("api");
        String usedCode = code(app, newOwnerId(), "api");
        String unusedCode = code(app, newOwnerId(), "api");
        OAuthTestClient.Tokens tokens = tokens(exchange(app, usedCode));
        revoke(app, tokens.accessToken()).then().statusCode(200);
        String jti = jti(tokens.accessToken());

        clock.advance(Duration.ofHours(2).plusMinutes(1));
        housekeeping.purgeExpired();

        assertThat(grantExists(unusedCode)).isFalse();
        assertThat(grantExists(usedCode)).isTrue();
        assertThat(inTransaction(() -> IssuedAccessToken.findByIdOptional(jti).isPresent())).isFalse();
        assertThat(inTransaction(() -> AccessTokenRevocation.isRevoked(jti))).isFalse();
        assertThat(refreshTokenExists(tokens.refreshToken())).isTrue();

        clock.advance(Duration.ofDays(31));
        housekeeping.purgeExpired();

        assertThat(grantExists(usedCode)).isFalse();
        assertThat(refreshTokenExists(tokens.refreshToken())).isFalse();
    }

    private static boolean grantExists(String code) {
        return inTransaction(() -> OAuthGrant.findByCodeDigest(sha256(code)).isPresent());
    }

    private static boolean refreshTokenExists(String token) {
        return inTransaction(() -> OAuthRefreshToken.findByDigest(sha256(token)).isPresent());
    }

    private static boolean inTransaction(java.util.concurrent.Callable<Boolean> query) {
        return QuarkusTransaction.requiringNew().call(query);
    }

    private static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
