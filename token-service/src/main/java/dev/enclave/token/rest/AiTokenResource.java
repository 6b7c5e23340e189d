package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.service.InternalClientAuthenticator;
import dev.enclave.token.service.SelfIssuedTokenMinter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.UUID;

/** Internal API: the instance asks for a self-issued AI token for the AI gateway. */
@Path("/internal/v1/ai-tokens")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AiTokenResource {

    /** {@code global_user_id} present: a user-bound token for direct access. */
    public record AiTokenRequest(@JsonProperty("instance_id") String instanceId, List<String> scopes,
                                 @JsonProperty("global_user_id") String globalUserId) {
    }

    public record AiTokenResponse(String token, @JsonProperty("token_type") String tokenType,
                                  @JsonProperty("expires_in") long expiresIn,
                                  @JsonProperty("expires_at") long expiresAt,
                                  @JsonProperty("issued_at") long issuedAt) {
    }

    private final InternalClientAuthenticator clients;
    private final SelfIssuedTokenMinter minter;
    private final TokenServiceConfig config;
    /** {@code enclave_ai_token_mints_total{outcome}}: minted (success) or refused here (body or scopes). */
    private final Counter minted;
    private final Counter refused;

    public AiTokenResource(InternalClientAuthenticator clients, SelfIssuedTokenMinter minter,
                           TokenServiceConfig config, MeterRegistry registry) {
        this.minted = mints(registry, "success");
        this.refused = mints(registry, "refused");
        this.clients = clients;
        this.minter = minter;
        this.config = config;
    }

    private static Counter mints(MeterRegistry registry, String outcome) {
        return Counter.builder("enclave.ai.token.mints").description("AI tokens minted for instances")
                .tag("outcome", outcome).register(registry);
    }

    @POST
    public AiTokenResponse mint(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, AiTokenRequest request) {
        AiTokenResponse response;
        try {
            response = checkedMint(authorization, request);
        } catch (OAuthException e) {
            refused.increment();
            throw e;
        }
        minted.increment();
        return response;
    }

    private AiTokenResponse checkedMint(String authorization, AiTokenRequest request) {
        clients.authenticate(authorization);
        if (request == null) {
            throw OAuthException.invalidRequest("Body required: {\"instance_id\": \"<uuid>\", \"scopes\": [...]}");
        }
        requireUuid(request.instanceId());
        List<String> scopes = requireGrantableScopes(request.scopes());
        String globalUserId = request.globalUserId();
        if (globalUserId != null && (globalUserId.isBlank() || globalUserId.length() > 128)) {
            throw OAuthException.invalidRequest("global_user_id must be 1 to 128 characters when present");
        }
        SelfIssuedTokenMinter.MintedToken minted = minter.mint(request.instanceId(), scopes, globalUserId);
        long issuedAt = minted.issuedAt().getEpochSecond();
        long expiresAt = minted.expiresAt().getEpochSecond();
        return new AiTokenResponse(minted.token(), "Bearer", expiresAt - issuedAt, expiresAt, issuedAt);
    }

    private static void requireUuid(String instanceId) {
        if (instanceId == null || instanceId.isBlank()) {
            throw OAuthException.invalidRequest("instance_id is required");
        }
        try {
            UUID.fromString(instanceId);
        } catch (IllegalArgumentException e) {
            throw OAuthException.invalidRequest("instance_id must be a UUID");
        }
    }

    private List<String> requireGrantableScopes(List<String> scopes) {
        if (scopes == null || scopes.isEmpty()) {
            throw OAuthException.invalidScope("scopes must name at least one unit primitive");
        }
        List<String> refused = scopes.stream().filter(s -> !config.aiTokenScopes().contains(s)).toList();
        if (!refused.isEmpty()) {
            throw OAuthException.invalidScope("Not grantable to the instance: " + String.join(", ", refused));
        }
        return scopes.stream().distinct().toList();
    }
}
