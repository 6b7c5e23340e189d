package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.rest.AdapterWire;
import dev.enclave.adapter.stream.BedrockStreamParser;
import dev.enclave.adapter.stream.StreamParser;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Amazon Bedrock's Converse API: {@code POST {endpoint}/model/{modelId}/converse}, signed with AWS
 * Signature Version 4 (service {@code bedrock}). The model's {@code api_key} carries the AWS key as
 * {@code ACCESS_KEY_ID:SECRET_ACCESS_KEY} (or {@code …:SESSION_TOKEN}). The region comes from the
 * endpoint's host name ({@code bedrock-runtime.<region>.amazonaws.com}, or a VPC endpoint's), else
 * from {@code enclave.adapter.bedrock.region}; with no endpoint at all, AWS's public one for that
 * region is used.
 */
@ApplicationScoped
public class BedrockProvider implements ModelProvider {

    static final String SERVICE = "bedrock";
    private static final Pattern REGION_IN_HOST = Pattern.compile(
            "(?:vpce-[a-z0-9-]+\\.)?bedrock-runtime(?:-fips)?\\.([a-z0-9-]+)"
                    + "\\.(?:vpce\\.)?amazonaws\\.com(?:\\.cn)?\\.?");

    private final ObjectMapper json;
    private final Optional<String> configuredRegion;

    public BedrockProvider(ObjectMapper json, AdapterConfig config) {
        this.json = json;
        this.configuredRegion = config.bedrock().region();
    }

    @Override
    public String name() {
        return "bedrock";
    }

    @Override
    public ModelEndpoint endpoint(AdapterWire.ModelTarget target) {
        if (target.endpoint() != null && !target.endpoint().isBlank()) {
            return ModelProvider.super.endpoint(target);
        }
        String region = configuredRegion.orElseThrow(() -> ProviderCall.invalid("model.endpoint is empty and "
                + "enclave.adapter.bedrock.region is not set; give the endpoint "
                + "(https://bedrock-runtime.<region>.amazonaws.com or a VPC endpoint) or set the region"));
        return ModelEndpoint.parse("https://bedrock-runtime." + region + ".amazonaws.com");
    }

    @Override
    public ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, "/converse", "application/json");
    }

    /** ConverseStream: the same body and signature, answered in AWS's binary event-stream framing. */
    @Override
    public ProviderCall streamCall(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, "/converse-stream", "application/vnd.amazon.eventstream");
    }

    @Override
    public StreamParser streamParser(AdapterWire.GenerateRequest request, StreamParser.Sink sink, int maxBytes) {
        return new BedrockStreamParser(json, AnthropicProvider::finishReason, request.model().identifier(), sink,
                maxBytes);
    }

    private ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint, String action,
                              String accept) {
        String region = region(endpoint.host());
        AwsSigV4.Credentials credentials;
        try {
            credentials = AwsSigV4.Credentials.parse(request.model().apiKey());
        } catch (IllegalArgumentException e) {
            throw ProviderCall.invalid(e.getMessage());
        }
        byte[] body = body(request).toString().getBytes(StandardCharsets.UTF_8);
        String path = endpoint.basePath() + "/model/" + ModelEndpoint.pathSegment(request.model().identifier())
                + action;
        Map<String, String> signed = Map.of("Content-Type", "application/json");
        Map<String, String> headers = new LinkedHashMap<>(signed);
        headers.put("Accept", accept);
        headers.putAll(AwsSigV4.sign(new AwsSigV4.Request("POST", endpoint.authority(), path, null, signed, body),
                credentials, region, SERVICE, Instant.now()));
        return new ProviderCall(path, headers, body);
    }

    String region(String host) {
        Matcher matcher = REGION_IN_HOST.matcher(host);
        if (matcher.matches()) {
            return matcher.group(1);
        }
        return configuredRegion.orElseThrow(() -> ProviderCall.invalid("cannot tell the AWS region from the "
                + "model endpoint host " + host + "; set enclave.adapter.bedrock.region"));
    }

    private ObjectNode body(AdapterWire.GenerateRequest request) {
        ChatTurns chat = ChatTurns.of(request, name());
        ObjectNode body = json.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        for (ChatTurns.Turn turn : chat.turns()) {
            ObjectNode message = messages.addObject().put("role", turn.role());
            ArrayNode content = message.putArray("content");
            turn.texts().forEach(text -> content.addObject().put("text", text));
        }
        if (!chat.system().isEmpty()) {
            ArrayNode system = body.putArray("system");
            chat.system().forEach(text -> system.addObject().put("text", text));
        }
        ObjectNode inference = json.createObjectNode();
        if (request.maxTokens() != null) {
            inference.put("maxTokens", request.maxTokens());
        }
        if (request.temperature() != null) {
            inference.put("temperature", request.temperature());
        }
        // Converse takes the stop sequences in inferenceConfig for every model family
        OpenAiShapes.stop(inference, "stopSequences", request);
        if (!inference.isEmpty()) {
            body.set("inferenceConfig", inference);
        }
        return body;
    }

    @Override
    public AdapterWire.GenerateResponse answer(JsonNode body, AdapterWire.GenerateRequest request)
            throws UnexpectedAnswerException {
        JsonNode content = body.path("output").path("message").path("content");
        if (!content.isArray()) {
            throw new UnexpectedAnswerException("without output.message.content");
        }
        StringBuilder text = new StringBuilder();
        content.forEach(block -> text.append(block.path("text").asText("")));
        JsonNode usage = body.path("usage");
        return new AdapterWire.GenerateResponse(text.toString(),
                AnthropicProvider.finishReason(body.path("stopReason").asText(null)),
                request.model().identifier(),
                usage.isObject() ? new AdapterWire.Usage(usage.path("inputTokens").asInt(),
                        usage.path("outputTokens").asInt()) : null);
    }

    /**
     * AWS names the exception in {@code x-amzn-ErrorType} ({@code ValidationException:http://…}) and
     * explains it in {@code message}.
     */
    @Override
    public String errorReason(ModelHttpResponse response) {
        JsonNode root = ErrorBodies.json(json, response.body());
        String message = null;
        if (root != null) {
            message = root.path("message").isTextual() ? root.get("message").asText()
                    : root.path("Message").isTextual() ? root.get("Message").asText() : null;
        }
        String type = response.header("x-amzn-ErrorType");
        if (type != null) {
            type = type.contains(":") ? type.substring(0, type.indexOf(':')) : type;
        }
        if (message == null) {
            return type != null ? type : ErrorBodies.raw(response.body());
        }
        return type != null ? type + ": " + message : message;
    }
}
