package dev.enclave.instance.service;

import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.crypto.SecretCipher;
import dev.enclave.instance.domain.FeatureSetting;
import dev.enclave.instance.domain.SelfHostedModel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * "Check if a self-hosted model is configured": decides, per request, where an AI feature goes.
 */
@ApplicationScoped
public class FeatureRouter {

    /** The model metadata the self-hosted gateway needs; the API key is decrypted only here. */
    public record ModelMetadata(String name, String family, String provider, String endpoint, String identifier,
                                String apiKey) {
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
        }
    }

    private final InstanceConfig config;
    private final SecretCipher cipher;

    public FeatureRouter(InstanceConfig config, SecretCipher cipher) {
        this.config = config;
        this.cipher = cipher;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Route route(String feature) {
        FeatureSetting setting = FeatureSetting.findByFeature(feature).orElse(null);
        String provider = setting == null ? FeatureSetting.UNASSIGNED : setting.provider;
        return switch (provider) {
            case FeatureSetting.DISABLED -> new Route.Disabled(feature);
            case FeatureSetting.SELF_HOSTED -> new Route.SelfHosted(feature, config.aiGatewayUrl(),
                    metadata(setting.selfHostedModel));
            // unassigned features follow GitLab's default: the cloud gateway
            default -> new Route.Vendored(feature, config.cloudGatewayUrl());
        };
    }

    private ModelMetadata metadata(SelfHostedModel model) {
        String apiKey = model.apiTokenEncrypted == null ? null
                : new String(cipher.decrypt(model.apiTokenEncrypted, SelfHostedModels.associatedData(model)),
                StandardCharsets.UTF_8);
        return new ModelMetadata(model.name, model.model, model.provider, model.endpoint, model.identifier, apiKey);
    }
}
