package dev.enclave.instance.service;

import dev.enclave.instance.domain.FeatureSetting;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.rest.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * "Check if a self-hosted model is configured": decides, per request, where an AI feature goes.
 * Decisions are cached per feature for at most {@code settings-cache-ttl}, and dropped at once on
 * this replica when an admin changes settings or routing. A decision made on AI settings read
 * earlier expires when they do, so a change through another replica arrives within one TTL, not two.
 */
@ApplicationScoped
public class FeatureRouter {

    /** The model metadata the self-hosted gateway needs; the API key is decrypted only here. */
    public record ModelMetadata(long id, String name, String family, String provider, String endpoint,
                                String identifier, String apiKey) {

        /** {@code model_identifier} as ai-gateway expects it (litellm prefix for the provider). */
        public String gatewayIdentifier() {
            return AiCatalog.gatewayIdentifier(provider, identifier);
        }

        /** GitLab's {@code model_metadata} object, as the chat and prompt endpoints of the gateway take it. */
        public Map<String, Object> gatewayMetadata() {
            Map<String, Object> metadata = new java.util.LinkedHashMap<>();
            metadata.put("provider", "litellm");
            metadata.put("name", family);
            metadata.put("endpoint", endpoint);
            metadata.put("api_key", apiKey == null ? "" : apiKey);
            metadata.put("identifier", gatewayIdentifier());
            return metadata;
        }

        @Override
        public String toString() {
            return "ModelMetadata[name=" + name + ", family=" + family + ", endpoint=" + endpoint + "]";
        }
    }

    public sealed interface Route {
        record Disabled(String feature) implements Route {
        }

        record SelfHosted(String feature, String gatewayUrl, ModelMetadata model) implements Route {
        }

        record Vendored(String feature, Optional<String> gatewayUrl) implements Route {

            /**
             * The cloud gateway's URL; without one, 503 naming the feature and the setting to set
             * (the admin API's {@code cloud_gateway_url}, over {@code enclave.instance.cloud-gateway-url}).
             */
            public String requireGatewayUrl() {
                return gatewayUrl.orElseThrow(() -> ApiException.unavailable(feature + " is routed to the cloud AI "
                        + "gateway, but no cloud gateway URL is configured: set the AI setting cloud_gateway_url "
                        + "(or enclave.instance.cloud-gateway-url), or route " + feature + " to a self-hosted model"));
            }
        }
    }

    private record Cached(Route route, long generation, Instant readAt) {
    }

    private final AiSettingsService settings;
    private final SelfHostedModels models;
    private final Clock clock;
    private final Map<String, Cached> routes = new ConcurrentHashMap<>();

    public FeatureRouter(AiSettingsService settings, SelfHostedModels models, Clock clock) {
        this.settings = settings;
        this.models = models;
        this.clock = clock;
    }

    public Route route(String feature) {
        Instant now = clock.instant();
        long generation = settings.generation();
        Cached cached = routes.get(feature);
        if (cached != null && cached.generation() == generation
                && now.isBefore(cached.readAt().plus(settings.cacheTtl()))) {
            return cached.route();
        }
        AiSettingsService.Cached read = settings.snapshot();
        Route route = QuarkusTransaction.joiningExisting().call(() -> resolve(feature, read.settings()));
        routes.put(feature, new Cached(route, generation, read.readAt().isBefore(now) ? read.readAt() : now));
        return route;
    }

    private Route resolve(String feature, AiSettingsService.Effective current) {
        FeatureSetting setting = FeatureSetting.findByFeature(feature).orElse(null);
        String provider = setting == null ? FeatureSetting.UNASSIGNED : setting.provider;
        return switch (provider) {
            case FeatureSetting.DISABLED -> new Route.Disabled(feature);
            case FeatureSetting.SELF_HOSTED -> new Route.SelfHosted(feature, current.aiGatewayUrl(),
                    metadata(setting.selfHostedModel));
            // Unassigned features follow GitLab's default, the cloud gateway; offline there is none.
            default -> current.offlineMode() ? new Route.Disabled(feature)
                    : new Route.Vendored(feature, current.cloudGatewayUrl());
        };
    }

    private ModelMetadata metadata(SelfHostedModel model) {
        return new ModelMetadata(model.id, model.name, model.model, model.provider, model.endpoint, model.identifier,
                models.decryptApiToken(model));
    }
}
