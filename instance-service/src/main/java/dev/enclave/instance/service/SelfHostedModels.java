package dev.enclave.instance.service;

import dev.enclave.instance.domain.FeatureSetting;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.rest.FieldLimits;
import dev.enclave.instance.security.Actor;
import dev.enclave.support.crypto.SecretCipher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

/**
 * Self-hosted models, and which feature goes where. The API key is encrypted the moment it
 * arrives, never returned, never logged; updating other fields keeps it, an empty value clears it.
 */
@ApplicationScoped
@Transactional
public class SelfHostedModels {

    /** Fields of a create or update; null leaves a field as it is (on update). */
    public record Fields(String name, String model, String provider, String endpoint, String identifier,
                         String apiToken) {
        @Override
        public String toString() {
            return "Fields[name=" + name + ", model=" + model + ", endpoint=" + endpoint + "]";
        }
    }

    private final SecretCipher cipher;
    private final AiSettingsService settings;
    private final AuditLog audit;
    private final Clock clock;

    public SelfHostedModels(SecretCipher cipher, AiSettingsService settings, AuditLog audit, Clock clock) {
        this.cipher = cipher;
        this.settings = settings;
        this.audit = audit;
        this.clock = clock;
    }

    /** Ciphertexts are bound to their row, so one copied onto another model fails to decrypt. */
    static String associatedData(SelfHostedModel model) {
        return "ai_self_hosted_models:" + model.id;
    }

    /** Without checks: the local seed and tests. */
    public SelfHostedModel create(String name, String family, String endpoint, String identifier, String apiKey) {
        SelfHostedModel model = new SelfHostedModel();
        model.name = name;
        model.model = family;
        model.provider = "openai_compatible";
        model.endpoint = endpoint;
        model.identifier = identifier;
        model.createdAt = clock.instant();
        model.updatedAt = model.createdAt;
        model.persistAndFlush();
        setApiToken(model, apiKey);
        return model;
    }

    public SelfHostedModel create(Actor admin, Fields fields) {
        requireLengths(fields);
        require(fields.name(), "name");
        require(fields.model(), "model");
        require(fields.endpoint(), "endpoint");
        require(fields.identifier(), "identifier");
        String provider = fields.provider() == null || fields.provider().isBlank() ? "openai_compatible"
                : fields.provider();
        validate(fields.name(), null, fields.model(), provider, fields.endpoint());
        SelfHostedModel model = create(fields.name(), fields.model(), fields.endpoint(), fields.identifier(),
                fields.apiToken());
        model.provider = "api".equals(provider) ? "openai_compatible" : provider;
        audit.record("self_hosted_model_created", admin, "SelfHostedModel", model.id, model.name);
        return model;
    }

    public SelfHostedModel update(Actor admin, long id, Fields fields) {
        requireLengths(fields);
        SelfHostedModel model = find(id);
        String provider = fields.provider() == null ? model.provider : fields.provider();
        validate(fields.name() == null ? model.name : fields.name(), model.id,
                fields.model() == null ? model.model : fields.model(), provider,
                fields.endpoint() == null ? model.endpoint : fields.endpoint());
        if (fields.model() != null && !fields.model().equals(model.model)) {
            List<String> incompatible = FeatureSetting.<FeatureSetting>list("selfHostedModel.id", model.id).stream()
                    .map(f -> f.feature).filter(f -> !AiCatalog.compatible(f, fields.model())).toList();
            if (!incompatible.isEmpty()) {
                throw ApiException.badRequest("model " + fields.model() + " cannot serve " + String.join(", ",
                        incompatible) + ", which use this model");
            }
        }
        if (fields.name() != null) {
            model.name = fields.name();
        }
        if (fields.model() != null) {
            model.model = fields.model();
        }
        model.provider = "api".equals(provider) ? "openai_compatible" : provider;
        if (fields.endpoint() != null) {
            model.endpoint = fields.endpoint();
        }
        if (fields.identifier() != null) {
            require(fields.identifier(), "identifier");
            model.identifier = fields.identifier();
        }
        if (fields.apiToken() != null) {
            setApiToken(model, fields.apiToken());
        }
        model.updatedAt = clock.instant();
        audit.record("self_hosted_model_updated", admin, "SelfHostedModel", model.id,
                fields.apiToken() == null ? null : "api_token changed");
        settings.invalidate();
        return model;
    }

    public void delete(Actor admin, long id) {
        SelfHostedModel model = find(id);
        List<String> users = FeatureSetting.<FeatureSetting>list("selfHostedModel.id", model.id).stream()
                .map(f -> f.feature).toList();
        if (!users.isEmpty()) {
            throw ApiException.badRequest("Model " + model.name + " is used by " + String.join(", ", users)
                    + "; route them elsewhere first");
        }
        model.delete();
        audit.record("self_hosted_model_deleted", admin, "SelfHostedModel", id, model.name);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public SelfHostedModel find(long id) {
        return SelfHostedModel.<SelfHostedModel>findByIdOptional(id)
                .orElseThrow(() -> ApiException.notFound("Self-hosted model"));
    }

    public boolean hasApiToken(SelfHostedModel model) {
        return model.apiTokenEncrypted != null;
    }

    public String decryptApiToken(SelfHostedModel model) {
        return model.apiTokenEncrypted == null ? null
                : new String(cipher.decrypt(model.apiTokenEncrypted, associatedData(model)), StandardCharsets.UTF_8);
    }

    /** Without checks: the local seed and tests. */
    public FeatureSetting routeToSelfHosted(String feature, SelfHostedModel model) {
        FeatureSetting setting = FeatureSetting.findByFeature(feature).orElseGet(FeatureSetting::new);
        setting.feature = feature;
        setting.provider = FeatureSetting.SELF_HOSTED;
        setting.selfHostedModel = SelfHostedModel.findById(model.id);
        setting.updatedAt = clock.instant();
        setting.persist();
        settings.invalidate();
        return setting;
    }

    /** Routes a feature: disabled, vendored (not in offline mode), self_hosted with a compatible model, or unassigned. */
    public FeatureSetting route(Actor admin, String feature, String provider, Long modelId) {
        if (!AiCatalog.isFeature(feature)) {
            throw ApiException.notFound("Feature " + feature);
        }
        if (provider == null || !List.of(FeatureSetting.DISABLED, FeatureSetting.VENDORED, FeatureSetting.SELF_HOSTED,
                FeatureSetting.UNASSIGNED).contains(provider)) {
            throw ApiException.badRequest("provider must be one of disabled, vendored, self_hosted, unassigned");
        }
        if (FeatureSetting.VENDORED.equals(provider) && settings.current().offlineMode()) {
            throw ApiException.badRequest("vendored is not available in offline mode: the instance makes no "
                    + "connection outside its own networks");
        }
        SelfHostedModel model = null;
        if (FeatureSetting.SELF_HOSTED.equals(provider)) {
            if (modelId == null) {
                throw ApiException.badRequest("self_hosted needs ai_self_hosted_model_id");
            }
            model = find(modelId);
            if (!AiCatalog.compatible(feature, model.model)) {
                throw ApiException.badRequest("Model " + model.name + " (" + model.model + ") is not compatible with "
                        + feature);
            }
        } else if (modelId != null) {
            throw ApiException.badRequest("ai_self_hosted_model_id is only for provider self_hosted");
        }
        FeatureSetting setting = FeatureSetting.findByFeature(feature).orElseGet(FeatureSetting::new);
        setting.feature = feature;
        setting.provider = provider;
        setting.selfHostedModel = model;
        setting.updatedAt = clock.instant();
        setting.persist();
        audit.record("feature_setting_updated", admin, "FeatureSetting", setting.id == null ? 0 : setting.id,
                feature + "=" + provider + (model == null ? "" : " model=" + model.name));
        settings.invalidate();
        return setting;
    }

    private void setApiToken(SelfHostedModel model, String apiToken) {
        model.apiTokenEncrypted = apiToken == null || apiToken.isEmpty() ? null
                : cipher.encrypt(apiToken.getBytes(StandardCharsets.UTF_8), associatedData(model));
    }

    private void validate(String name, Long selfId, String family, String provider, String endpoint) {
        FieldLimits.require(name, "name", FieldLimits.NAME);
        FieldLimits.require(endpoint, "endpoint", FieldLimits.URL);
        if (!AiCatalog.FAMILIES.contains(family)) {
            throw ApiException.badRequest("model must be one of " + String.join(", ", AiCatalog.FAMILIES));
        }
        if (!"api".equals(provider) && !AiCatalog.PROVIDERS.containsKey(provider)) {
            throw ApiException.badRequest("provider must be one of " + String.join(", ",
                    AiCatalog.PROVIDERS.keySet().stream().sorted().toList()));
        }
        SelfHostedModel sameName = SelfHostedModel.find("name", name).firstResult();
        if (sameName != null && !sameName.id.equals(selfId)) {
            throw ApiException.badRequest("name " + name + " has already been taken");
        }
        settings.current().allowlist().refusal(endpoint).ifPresent(reason -> {
            throw ApiException.badRequest(reason);
        });
    }

    /** The columns' sizes; the API key is stored encrypted, so its limit leaves room for the envelope. */
    private static void requireLengths(Fields fields) {
        FieldLimits.require(fields.name(), "name", FieldLimits.NAME);
        FieldLimits.require(fields.endpoint(), "endpoint", FieldLimits.URL);
        FieldLimits.require(fields.identifier(), "identifier", FieldLimits.NAME);
        FieldLimits.require(fields.apiToken(), "api_token", FieldLimits.MODEL_API_TOKEN);
    }

    private static void require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest(field + " is missing");
        }
    }
}
