package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.service.ClientCredentials;
import dev.enclave.token.service.OAuthClientAuthenticator;
import dev.enclave.token.service.TokenRevoker;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;

/**
 * Internal API: the revoked access tokens that have not expired yet. Verifiers (instance-service,
 * model-adapter) poll it and refuse those jtis, so a revocation reaches them within one poll interval.
 */
@Path("/internal/v1/revocations")
@Produces(MediaType.APPLICATION_JSON)
public class RevocationListResource {

    /** @param expiresAt epoch seconds, like the token's {@code exp}: the entry can be forgotten after it */
    public record Revocation(String jti, @JsonProperty("expires_at") long expiresAt) {
    }

    /** @param now epoch milliseconds: the {@code since} of the next poll */
    public record RevocationListResponse(List<Revocation> revocations, long now) {
    }

    private final OAuthClientAuthenticator clients;
    private final TokenRevoker revoker;

    public RevocationListResource(OAuthClientAuthenticator clients, TokenRevoker revoker) {
        this.clients = clients;
        this.revoker = revoker;
    }

    /** @param since epoch milliseconds; revocations made after it. Absent: every live revocation. */
    @GET
    public RevocationListResponse list(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                                       @QueryParam("since") String since) {
        clients.revocationReader(ClientCredentials.from(authorization, null, null));
        TokenRevoker.RevocationList list = revoker.revokedSince(Instant.ofEpochMilli(parseSince(since)));
        return new RevocationListResponse(
                list.revocations().stream().map(r -> new Revocation(r.jti, r.expiresAt.getEpochSecond())).toList(),
                list.now().toEpochMilli());
    }

    /** The end of year 9999: a {@code since} beyond it (or before 1970) fits no database timestamp. */
    static final long MAX_SINCE = 253_402_300_799_999L;

    private static long parseSince(String since) {
        if (since == null || since.isBlank()) {
            return 0;
        }
        try {
            long millis = Long.parseLong(since);
            if (millis >= 0 && millis <= MAX_SINCE) {
                return millis;
            }
        } catch (NumberFormatException e) {
            // answered below, like an out-of-range value
        }
        throw OAuthException.invalidRequest("since must be epoch milliseconds from 0 to " + MAX_SINCE);
    }
}
