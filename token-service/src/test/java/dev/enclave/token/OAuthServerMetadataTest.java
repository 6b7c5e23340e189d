package dev.enclave.token;

import dev.enclave.token.service.OAuthServerMetadata;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
class OAuthServerMetadataTest {

    @Inject
    OAuthServerMetadata metadata;

    @Test
    void discoveryMembersNameTheEndpointsAtTheIssuer() {
        assertThat(metadata.discoveryMembers())
                .containsEntry("token_endpoint", "http://localhost:8080/oauth/token")
                .containsEntry("revocation_endpoint", "http://localhost:8080/oauth/revoke")
                .containsEntry("introspection_endpoint", "http://localhost:8080/oauth/introspect")
                .containsEntry("grant_types_supported", List.of("authorization_code", "refresh_token", "client_credentials"))
                .containsEntry("token_endpoint_auth_methods_supported",
                        List.of("client_secret_basic", "client_secret_post", "none"))
                .containsEntry("scopes_supported", List.of("api", "read_api", "read_user", "read_repository",
                        "write_repository", "ai_features", "openid", "profile", "email"))
                .containsEntry("code_challenge_methods_supported", List.of("S256"));
    }
}
