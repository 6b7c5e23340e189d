package dev.enclave.gateway.security;

import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.gateway.tracing.RequestFeature;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Checks that the verified token carries the unit primitive an endpoint needs. Reads the identity
 * {@link GatewayAuthenticationFilter} already resolved, as a {@code Uni} (on the event loop the
 * blocking accessors, an injected {@code JsonWebToken}, may not wait for it), and says who holds
 * the token ({@link Caller}).
 */
@ApplicationScoped
public class UnitPrimitiveAuthorizer {

    private final CurrentIdentityAssociation identities;

    public UnitPrimitiveAuthorizer(CurrentIdentityAssociation identities) {
        this.identities = identities;
    }

    /**
     * @param primitive  e.g. {@code complete_code}
     * @param capability words for the error, e.g. {@code code completions}
     * @return who holds the token; fails with 403 when the token lacks {@code primitive}
     */
    public Uni<Caller> require(String primitive, String capability) {
        RequestFeature.mark(primitive);
        return identities.getDeferredIdentity().onItem().transformToUni(identity -> {
            if (!grants(identity, primitive)) {
                return Uni.createFrom().failure(GatewayException.forbidden("Unauthorized to access " + capability));
            }
            return Uni.createFrom().item(Caller.of((JsonWebToken) identity.getPrincipal()));
        });
    }

    private static boolean grants(SecurityIdentity identity, String primitive) {
        if (identity == null || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            return false;
        }
        return Caller.scopes(token).contains(primitive);
    }
}
