package dev.enclave.adapter.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.egress.EgressHttpClient;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.provider.ModelCallException;
import dev.enclave.adapter.provider.ModelProvider;
import dev.enclave.adapter.provider.ProviderCall;
import dev.enclave.adapter.provider.UnexpectedAnswerException;
import dev.enclave.adapter.rest.AdapterWire;
import io.quarkus.arc.All;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One model call: validates it, lets the target's provider build its request, sends it through
 * the egress client, and reads the answer or the server's reason for refusing.
 */
@ApplicationScoped
public class ModelCallService {

    private static final Logger LOG = Logger.getLogger(ModelCallService.class);
    private static final String DEFAULT_PROVIDER = "openai_compatible";

    private final Map<String, ModelProvider> providers;
    private final EgressHttpClient http;
    private final ObjectMapper json;
    private final Duration readTimeout;

    public ModelCallService(@All List<ModelProvider> providers, EgressHttpClient http, ObjectMapper json,
                            AdapterConfig config) {
        this.providers = providers.stream()
                .collect(Collectors.toMap(ModelProvider::name, Function.identity(), (a, b) -> a, TreeMap::new));
        this.http = http;
        this.json = json;
        this.readTimeout = config.readTimeout();
    }

    public AdapterWire.GenerateResponse generate(AdapterWire.GenerateRequest request) {
        validate(request);
        String name = request.model().provider() == null ? DEFAULT_PROVIDER : request.model().provider();
        ModelProvider provider = providers.get(name);
        if (provider == null) {
            throw invalid("provider '" + name + "' is not supported by this model-adapter; supported: "
                    + String.join(", ", providers.keySet()));
        }
        ModelEndpoint endpoint = provider.endpoint(request.model());
        ProviderCall call = provider.call(request, endpoint);
        String url = endpoint.url(call.pathAndQuery());
        ModelHttpResponse response = http.post(endpoint, call.pathAndQuery(), call.headers(), call.body(),
                timeout(request));
        if (response.status() / 100 != 2) {
            String reason = withoutSecrets(provider.errorReason(response), request.model().apiKey());
            LOG.infof("Model server %s answered %d: %s", url, response.status(), reason);
            throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.status(),
                    "model server at " + url + " answered " + response.status() + ": " + reason);
        }
        try {
            JsonNode body = json.readTree(response.body());
            if (body == null || !body.isObject()) {
                throw new UnexpectedAnswerException("with something other than a JSON object");
            }
            return provider.answer(body, request);
        } catch (IOException e) {
            throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.status(),
                    "model server at " + url + " answered with invalid JSON");
        } catch (UnexpectedAnswerException e) {
            throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.status(),
                    "model server at " + url + " answered " + e.getMessage());
        }
    }

    /** The caller's own deadline when it is shorter than the read timeout. */
    private Duration timeout(AdapterWire.GenerateRequest request) {
        if (request.timeoutMs() == null) {
            return readTimeout;
        }
        Duration asked = Duration.ofMillis(request.timeoutMs());
        return asked.compareTo(readTimeout) < 0 ? asked : readTimeout;
    }

    /**
     * A model server may quote the key it was given in its error; that must not travel on. Each
     * part of a composite key (Bedrock's {@code id:secret}) is removed too.
     */
    static String withoutSecrets(String text, String apiKey) {
        if (apiKey == null || apiKey.isEmpty()) {
            return text;
        }
        String cleaned = text.replace(apiKey, "[redacted]");
        for (String part : apiKey.split(":")) {
            if (part.length() >= 8) {
                cleaned = cleaned.replace(part, "[redacted]");
            }
        }
        return cleaned;
    }

    private static void validate(AdapterWire.GenerateRequest request) {
        if (request == null || request.model() == null) {
            throw invalid("model is required");
        }
        if (request.model().identifier() == null || request.model().identifier().isBlank()) {
            throw invalid("model.identifier is required");
        }
        if (request.messages() != null && request.messages().isEmpty()) {
            throw invalid("messages must not be empty");
        }
        if ((request.prompt() != null) == (request.messages() != null)) {
            throw invalid("exactly one of prompt and messages is required");
        }
        if (request.maxTokens() != null && request.maxTokens() < 1) {
            throw invalid("max_tokens must be at least 1");
        }
        if (request.timeoutMs() != null && request.timeoutMs() < 1) {
            throw invalid("timeout_ms must be at least 1");
        }
    }

    private static ModelCallException invalid(String message) {
        return new ModelCallException(ModelCallException.Kind.INVALID_REQUEST, null, message);
    }
}
