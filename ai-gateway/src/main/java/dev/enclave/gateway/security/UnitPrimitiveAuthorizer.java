package dev.enclave.gateway.security;

import dev.enclave.gateway.rest.GatewayException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.Collection;

/** Checks that the verified token carries the unit primitive an endpoint needs. */
@ApplicationScoped
public class UnitPrimitiveAuthorizer {

    private final JsonWebToken token;

    public UnitPrimitiveAuthorizer(JsonWebToken token) {
        this.token = token;
    }

    /**
     * @param primitive  e.g. {@code complete_code}
     * @param capability words for the error, e.g. {@code code completions}
     */
    public void require(String primitive, String capability) {
        Object scopes = token.getClaim("scopes");
        if (!(scopes instanceof Collection<?> granted) || granted.stream().map(String::valueOf)
                .map(s -> s.replace("\"", "")).noneMatch(primitive::equals)) {
            throw GatewayException.forbidden("Unauthorized to access " + capability);
        }
    }
}
