package dev.enclave.gateway.service;

import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.gateway.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Arrays;
import java.util.Optional;

/**
 * Who may name the model a call goes to. Model metadata (endpoint, API key, identifier) in a
 * request is the instance's choice, made by its feature routing, under its limits and audit: it is
 * accepted only with the instance's own token. A user-bound (direct-access) token gets only the
 * model this gateway is configured with ({@code enclave.gateway.own-model}); otherwise a user could
 * point model-adapter at any endpoint its egress allows, past everything the instance enforces.
 */
@ApplicationScoped
public class ModelChoice {

    private final Optional<GatewayConfig.OwnModel> own;

    public ModelChoice(GatewayConfig config) {
        this.own = config.ownModel();
    }

    /**
     * @param fields what the request calls its model metadata, for the error
     * @param named  the request's model metadata values (null or blank when not sent)
     * @return for a user-bound caller, this gateway's own model; empty for the instance's own token,
     *         whose request's metadata (or, when it names none, the own model) is used
     * @throws GatewayException 403 when a user-bound caller named a model, or this gateway has no own model
     */
    public Optional<GatewayConfig.OwnModel> imposedOn(Caller caller, String fields, String... named) {
        if (!caller.userBound()) {
            return Optional.empty();
        }
        if (Arrays.stream(named).anyMatch(value -> value != null && !value.isBlank())) {
            throw GatewayException.forbidden("A direct-access (user) token cannot choose the model: " + fields
                    + " are accepted only with the GitLab instance's own token. Send the request without them to"
                    + " use this gateway's model, or send it through the GitLab instance");
        }
        if (own.isEmpty()) {
            throw GatewayException.forbidden("This gateway serves direct-access (user) tokens only with a model of"
                    + " its own (enclave.gateway.own-model), and none is configured: send the request through the"
                    + " GitLab instance");
        }
        return own;
    }
}
