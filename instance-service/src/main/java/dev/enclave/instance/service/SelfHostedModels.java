package dev.enclave.instance.service;

import dev.enclave.instance.crypto.SecretCipher;
import dev.enclave.instance.domain.FeatureSetting;
import dev.enclave.instance.domain.SelfHostedModel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

/** Creates self-hosted models (API key encrypted at once) and routes features to them. */
@ApplicationScoped
public class SelfHostedModels {

    private final SecretCipher cipher;
    private final Clock clock;

    public SelfHostedModels(SecretCipher cipher, Clock clock) {
        this.cipher = cipher;
        this.clock = clock;
    }

    /** Ciphertexts are bound to their row, so one copied onto another model fails to decrypt. */
    static String associatedData(SelfHostedModel model) {
        return "ai_self_hosted_models:" + model.id;
    }

    @Transactional
    public SelfHostedModel create(String name, String family, String endpoint, String identifier, String apiKey) {
        SelfHostedModel model = new SelfHostedModel();
        model.name = name;
        model.model = family;
        model.provider = "api";
        model.endpoint = endpoint;
        model.identifier = identifier;
        model.createdAt = clock.instant();
        model.updatedAt = model.createdAt;
        model.persistAndFlush();
        if (apiKey != null && !apiKey.isEmpty()) {
            model.apiTokenEncrypted = cipher.encrypt(apiKey.getBytes(StandardCharsets.UTF_8), associatedData(model));
        }
        return model;
    }

    @Transactional
    public FeatureSetting routeToSelfHosted(String feature, SelfHostedModel model) {
        FeatureSetting setting = FeatureSetting.findByFeature(feature).orElseGet(FeatureSetting::new);
        setting.feature = feature;
        setting.provider = FeatureSetting.SELF_HOSTED;
        setting.selfHostedModel = SelfHostedModel.findById(model.id);
        setting.updatedAt = clock.instant();
        setting.persist();
        return setting;
    }
}
