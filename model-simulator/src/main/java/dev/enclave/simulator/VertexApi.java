package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Google Cloud Vertex AI's Gemini API,
 * {@code POST /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent}
 * (and {@code :streamGenerateContent}, with {@code ?alt=sse} as server-sent events), called with an
 * OAuth 2 access token; and Google's OAuth 2 token endpoint, {@code POST /token}, which exchanges a
 * service account's signed JWT assertion for such a token. Claude on Vertex AI is
 * {@code …/publishers/anthropic/models/{model}:rawPredict} (and {@code :streamRawPredict}), answered
 * by the {@link AnthropicApi} personality's code. With a key configured (the service
 * account's JSON key file) the assertion's RS256 signature is checked with the account's public key,
 * and so are its issuer, audience, scope and lifetime; the model routes then take only tokens this
 * simulator issued and that have not expired. Errors are Google's {@code {"error":{code, message, status}}}.
 */
final class VertexApi extends ProviderApi {

    static final String TOKEN_PATH = "/token";
    static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    /** Google refuses assertions that live longer than an hour. */
    static final long MAX_ASSERTION_SECONDS = 3600;
    /** Clock skew tolerated on {@code iat}. */
    static final long SKEW_SECONDS = 300;
    private static final Map<Integer, String> STATUSES = Map.of(
            400, "INVALID_ARGUMENT",
            401, "UNAUTHENTICATED",
            403, "PERMISSION_DENIED",
            404, "NOT_FOUND",
            409, "ABORTED",
            429, "RESOURCE_EXHAUSTED",
            500, "INTERNAL",
            501, "NOT_IMPLEMENTED",
            503, "UNAVAILABLE",
            504, "DEADLINE_EXCEEDED");
    private static final String BAD_CREDENTIALS = "Request had invalid authentication credentials. Expected OAuth 2 "
            + "access token, login cookie or other valid authentication credential. "
            + "See https://developers.google.com/identity/sign-in/web/devconsole-project.";
    private static final String MISSING_CREDENTIALS = "Request is missing required authentication credential. "
            + "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
            + "See https://developers.google.com/identity/sign-in/web/devconsole-project.";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What Claude on Vertex AI requires in its body instead of the {@code anthropic-version} header. */
    static final String ANTHROPIC_VERSION = "vertex-2023-10-16";

    /** Issued access token -> when it expires. */
    private final Map<String, Instant> tokens;
    /** Claude on Vertex AI answers Anthropic's Messages API bodies. */
    private final AnthropicApi anthropic;

    VertexApi(SimulatorState state) {
        super(state);
        this.anthropic = new AnthropicApi(state);
        this.tokens = state.accessTokens;
    }

    @Override
    List<Route> routes() {
        return List.of(
                // latency_ms applies to the token endpoint too, so a test can hold token requests in flight
                new Route("POST", TOKEN_PATH, this::token, true),
                new Route("POST", "/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{method}",
                        this::model, true));
    }

    @Override
    boolean isApiPath(String rawPath) {
        return rawPath.startsWith("/v1/") || rawPath.equals(TOKEN_PATH);
    }

    /** The token endpoint checks the assertion itself; everything else needs a bearer token it issued. */
    @Override
    boolean authenticate(HttpExchange exchange, String rawPath, String body) throws IOException {
        if (rawPath.equals(TOKEN_PATH)) {
            return true;
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            sendError(exchange, ApiException.of(401, null, MISSING_CREDENTIALS));
            return false;
        }
        Instant expires = tokens.get(authorization.substring(7).strip());
        if (expires == null || !Instant.now().isBefore(expires)) {
            sendError(exchange, ApiException.of(401, null, BAD_CREDENTIALS));
            return false;
        }
        return true;
    }

    @Override
    void sendError(HttpExchange exchange, ApiException error) throws IOException {
        ObjectNode body = object();
        body.putObject("error")
                .put("code", error.status())
                .put("message", error.getMessage())
                .put("status", error.type() != null ? error.type() : status(error.status()));
        HttpIo.sendJson(exchange, error.status(), body);
    }

    static String status(int code) {
        return STATUSES.getOrDefault(code, code >= 500 ? "INTERNAL" : "INVALID_ARGUMENT");
    }

    @Override
    void sendNotFound(HttpExchange exchange) throws IOException {
        sendError(exchange, ApiException.of(404, null, "The requested URL was not found on this server."));
    }

    @Override
    void sendMethodNotAllowed(HttpExchange exchange, String allowed) throws IOException {
        exchange.getResponseHeaders().set("Allow", allowed);
        sendError(exchange, ApiException.of(405, "INVALID_ARGUMENT", "Method Not Allowed"));
    }

    /** How long tokens issued from now on live (Google's are an hour, {@code expires_in: 3599}). */
    long tokenLifetimeSeconds() {
        return state.tokenLifetimeSeconds();
    }

    // ---- OAuth 2 token endpoint -------------------------------------------------------------

    /**
     * {@code POST /token} with {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>}
     * (form-encoded). Answers {@code {"access_token","expires_in","token_type":"Bearer"}}, or
     * OAuth's {@code {"error","error_description"}} with 400 as Google does.
     */
    private void token(HttpExchange exchange, String body) throws IOException {
        Map<String, String> form = form(body);
        String grantType = form.get("grant_type");
        if (!JWT_BEARER.equals(grantType)) {
            oauthError(exchange, "unsupported_grant_type", "Invalid grant_type: " + (grantType == null ? "" : grantType));
            return;
        }
        String assertion = form.get("assertion");
        String refusal = assertion == null ? "Invalid JWT: missing assertion" : refusal(exchange, assertion);
        if (refusal != null) {
            oauthError(exchange, refusal.startsWith("invalid_scope:") ? "invalid_scope" : "invalid_grant",
                    refusal.startsWith("invalid_scope:") ? refusal.substring("invalid_scope:".length()) : refusal);
            return;
        }
        String token = "ya29.sim-" + randomToken();
        long lifetime = tokenLifetimeSeconds();
        tokens.put(token, Instant.now().plusSeconds(lifetime));
        HttpIo.sendJson(exchange, 200, object()
                .put("access_token", token)
                .put("expires_in", lifetime)
                .put("token_type", "Bearer"));
    }

    /** Why Google would refuse the assertion, in Google's words, or null when it is good. */
    private String refusal(HttpExchange exchange, String assertion) {
        String[] parts = assertion.split("\\.", -1);
        if (parts.length != 3) {
            return "Invalid JWT: not a signed JWT (header.payload.signature)";
        }
        JsonNode header;
        JsonNode claims;
        byte[] signature;
        try {
            Base64.Decoder url = Base64.getUrlDecoder();
            header = Json.MAPPER.readTree(url.decode(parts[0]));
            claims = Json.MAPPER.readTree(url.decode(parts[1]));
            signature = url.decode(parts[2]);
        } catch (IllegalArgumentException | IOException e) {
            return "Invalid JWT: the header, claims or signature is not base64url-encoded JSON";
        }
        if (header == null || claims == null || !header.isObject() || !claims.isObject()) {
            return "Invalid JWT: the header and claims must be JSON objects";
        }
        if (!"RS256".equals(header.path("alg").asText())) {
            return "Invalid JWT Signature.";
        }
        String keyFile = state.apiKey();
        if (keyFile != null) {
            ServiceAccountKey account = ServiceAccountKey.parse(keyFile);
            if (!account.clientEmail().equals(claims.path("iss").asText())) {
                return "Invalid grant: account not found";
            }
            try {
                Signature rsa = Signature.getInstance("SHA256withRSA");
                rsa.initVerify(account.publicKey());
                rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
                if (!rsa.verify(signature)) {
                    return "Invalid JWT Signature.";
                }
            } catch (GeneralSecurityException e) {
                return "Invalid JWT Signature.";
            }
        }
        String audience = "http://" + exchange.getRequestHeaders().getFirst("Host") + TOKEN_PATH;
        if (!audience.equals(claims.path("aud").asText())) {
            return "Invalid JWT: Failed audience check. The right audience is " + audience;
        }
        long now = Instant.now().getEpochSecond();
        JsonNode iat = claims.path("iat");
        JsonNode exp = claims.path("exp");
        if (!iat.canConvertToLong() || !exp.canConvertToLong() || exp.asLong() - iat.asLong() > MAX_ASSERTION_SECONDS
                || exp.asLong() <= now || iat.asLong() > now + SKEW_SECONDS) {
            return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                    + "Check your iat and exp values in the JWT claim.";
        }
        List<String> scopes = List.of(claims.path("scope").asText("").split(" "));
        if (!scopes.contains(SCOPE)) {
            return "invalid_scope:Invalid OAuth scope or ID token audience provided.";
        }
        return null;
    }

    private static void oauthError(HttpExchange exchange, String error, String description) throws IOException {
        HttpIo.sendJson(exchange, 400, object().put("error", error).put("error_description", description));
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                try {
                    form.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    // a malformed pair is ignored, as form parsers do
                }
            }
        }
        return form;
    }

    private static String randomToken() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    // ---- Gemini ---------------------------------------------------------------------------

    private record Answer(String model, Conversation conversation, Generation generation, String finishReason) {

        ObjectNode usage(ObjectNode target, int candidatesTokens) {
            ObjectNode usage = target.putObject("usageMetadata");
            usage.put("promptTokenCount", conversation.promptTokens());
            usage.put("candidatesTokenCount", candidatesTokens);
            usage.put("totalTokenCount", conversation.promptTokens() + candidatesTokens);
            return usage;
        }
    }

    private void model(HttpExchange exchange, String body) throws IOException, ApiException {
        String modelAndMethod = Route.param(exchange, "method");
        int colon = modelAndMethod.lastIndexOf(':');
        String method = colon < 0 ? "" : modelAndMethod.substring(colon + 1);
        String model = colon < 0 ? modelAndMethod : modelAndMethod.substring(0, colon);
        boolean claude = method.equals("rawPredict") || method.equals("streamRawPredict");
        if (!claude && !method.equals("generateContent") && !method.equals("streamGenerateContent")) {
            throw ApiException.of(404, null, "The requested URL was not found on this server.");
        }
        String project = Route.param(exchange, "project");
        String location = Route.param(exchange, "location");
        String publisher = Route.param(exchange, "publisher");
        String keyFile = state.apiKey();
        if (keyFile != null) {
            String ownProject = ServiceAccountKey.parse(keyFile).projectId();
            if (ownProject != null && !ownProject.equals(project)) {
                throw ApiException.of(403, null, "Permission 'aiplatform.endpoints.predict' denied on resource "
                        + "'//aiplatform.googleapis.com/projects/" + project + "/locations/" + location
                        + "/publishers/" + publisher + "/models/" + model + "' (or it may not exist).");
            }
        }
        state.faults.inject();
        if (claude) {
            claude(exchange, body, project, location, publisher, model, method);
            return;
        }
        Answer answer = answer(body, model);
        if (!publisher.equals("google") || !state.models.contains(model)) {
            throw ApiException.of(404, null, "Publisher Model `projects/" + project + "/locations/" + location
                    + "/publishers/" + publisher + "/models/" + model + "` not found.");
        }
        if (method.equals("generateContent")) {
            ObjectNode response = chunk(answer, answer.generation.text(), answer.finishReason);
            answer.usage(response, answer.generation.completionTokens());
            HttpIo.sendJson(exchange, 200, response);
            return;
        }
        String query = exchange.getRequestURI().getRawQuery();
        boolean sse = query != null && List.of(query.split("&")).contains("alt=sse");
        stream(exchange, answer, sse);
    }

    /**
     * Claude on Vertex AI: {@code publishers/anthropic/models/{model}:rawPredict} (and
     * {@code :streamRawPredict}) take Anthropic's Messages body without {@code model} and with
     * {@code "anthropic_version": "vertex-2023-10-16"}, and answer as Anthropic does (streamed:
     * Anthropic's SSE events); errors keep Google's shape.
     */
    private void claude(HttpExchange exchange, String body, String project, String location, String publisher,
                        String model, String method) throws IOException, ApiException {
        RequestFields fields = new RequestFields(Json.parseObject(body));
        JsonNode version = fields.get("anthropic_version");
        if (version == null || !ANTHROPIC_VERSION.equals(version.asText())) {
            throw ApiException.badRequest("anthropic_version: Input should be '" + ANTHROPIC_VERSION + "'");
        }
        if (!publisher.equals("anthropic") || !state.models.contains(model)) {
            throw ApiException.of(404, null, "Publisher Model `projects/" + project + "/locations/" + location
                    + "/publishers/" + publisher + "/models/" + model + "` not found.");
        }
        boolean stream = fields.optionalBoolean("stream", false);
        if (stream != method.equals("streamRawPredict")) {
            throw ApiException.badRequest(method.equals("streamRawPredict")
                    ? "stream: streamRawPredict needs \"stream\": true" : "stream: rawPredict does not stream");
        }
        anthropic.answer(exchange, fields, model);
    }

    private static ObjectNode chunk(Answer answer, String text, String finishReason) {
        ObjectNode response = object();
        ObjectNode candidate = response.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        content.put("role", "model");
        content.putArray("parts").addObject().put("text", text);
        if (finishReason != null) {
            candidate.put("finishReason", finishReason);
        }
        response.put("modelVersion", answer.model);
        return response;
    }

    /**
     * {@code :streamGenerateContent}: one {@code GenerateContentResponse} per token, the last one
     * with the {@code finishReason} and the full {@code usageMetadata}. With {@code alt=sse} each is
     * an event {@code data: <json>\r\n\r\n}; without it the body is one JSON array of them, written
     * as the chunks come. A mid-stream failure is Google's error object as the next element.
     */
    private void stream(HttpExchange exchange, Answer answer, boolean sse) throws IOException {
        List<String> pieces = answer.generation.pieces();
        StreamWriter.send(exchange, state, sse ? HttpIo.EVENT_STREAM : HttpIo.JSON, new StreamWriter.Body() {
            private boolean first = true;

            private byte[] frame(JsonNode chunk) {
                String json = new String(Json.bytes(chunk), StandardCharsets.UTF_8);
                String framed;
                if (sse) {
                    framed = "data: " + json + "\r\n\r\n";
                } else {
                    framed = (first ? "[" : ",\r\n") + json;
                }
                first = false;
                return framed.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public List<byte[]> opening() {
                return List.of();
            }

            @Override
            public int contentEvents() {
                return pieces.size();
            }

            @Override
            public byte[] content(int index) {
                ObjectNode chunk = chunk(answer, pieces.get(index), null);
                ObjectNode usage = chunk.putObject("usageMetadata");
                usage.put("promptTokenCount", answer.conversation.promptTokens());
                usage.put("totalTokenCount", answer.conversation.promptTokens());
                return frame(chunk);
            }

            @Override
            public List<byte[]> closing() {
                ObjectNode last = chunk(answer, "", answer.finishReason);
                answer.usage(last, answer.generation.completionTokens());
                List<byte[]> closing = new ArrayList<>();
                closing.add(frame(last));
                if (!sse) {
                    closing.add("]".getBytes(StandardCharsets.UTF_8));
                }
                return closing;
            }

            @Override
            public List<byte[]> failure() {
                ObjectNode error = object();
                error.putObject("error").put("code", 503).put("message", InferenceHandler.MID_STREAM_FAILURE)
                        .put("status", "UNAVAILABLE");
                List<byte[]> failure = new ArrayList<>();
                failure.add(frame(error));
                if (!sse) {
                    failure.add("]".getBytes(StandardCharsets.UTF_8));
                }
                return failure;
            }
        });
    }

    private Answer answer(String body, String model) throws ApiException {
        RequestFields fields = new RequestFields(Json.parseObject(body));
        Conversation conversation = new Conversation();
        JsonNode system = fields.get("systemInstruction");
        if (system != null) {
            if (!system.isObject()) {
                throw RequestFields.invalid("systemInstruction", "a Content object");
            }
            conversation.add("system", Conversation.text(system.path("parts"), "systemInstruction.parts"));
        }
        JsonNode contents = fields.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            throw ApiException.badRequest("Unable to submit request because it has an empty contents field. "
                    + "Add a contents field with at least one entry and try again.");
        }
        for (int i = 0; i < contents.size(); i++) {
            String field = "contents[" + i + "]";
            JsonNode content = contents.get(i);
            if (!content.isObject()) {
                throw RequestFields.invalid(field, "a Content object");
            }
            String role = content.path("role").asText("user");
            if (!role.equals("user") && !role.equals("model")) {
                throw ApiException.badRequest("Please use a valid role: user, model.");
            }
            JsonNode parts = content.get("parts");
            if (parts == null || !parts.isArray() || parts.isEmpty()) {
                throw ApiException.badRequest("Unable to submit request because it must include at least one parts "
                        + "field, which describes the prompt input. Learn more: "
                        + "https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini");
            }
            // rendered with the chat roles every personality uses, so a conversation gives the same text
            conversation.add(role.equals("model") ? "assistant" : "user", Conversation.text(parts, field + ".parts"));
        }
        int maxTokens = InferenceHandler.DEFAULT_MAX_TOKENS;
        List<String> stops = List.of();
        JsonNode config = fields.get("generationConfig");
        if (config != null) {
            if (!config.isObject()) {
                throw RequestFields.invalid("generationConfig", "a GenerationConfig object");
            }
            RequestFields generation = new RequestFields((ObjectNode) config, "generationConfig.");
            maxTokens = Conversation.maxTokens(generation.optionalInt("maxOutputTokens"),
                    "generationConfig.maxOutputTokens");
            JsonNode temperature = config.get("temperature");
            if (temperature != null && (!temperature.isNumber() || temperature.doubleValue() < 0
                    || temperature.doubleValue() > 2)) {
                throw ApiException.badRequest("Unable to submit request because it has a temperature value of "
                        + temperature + " but the supported range is from 0 (inclusive) to 2.0001 (exclusive). "
                        + "Update the value and try again.");
            }
            stops = generation.stringOrStringList("stopSequences");
            if (stops.size() > 5) {
                throw ApiException.badRequest("Unable to submit request because it has more than 5 stop sequences.");
            }
        }
        Generation generation = conversation.answer(model, maxTokens, stops);
        String finishReason = "stop".equals(generation.finishReason()) ? "STOP" : "MAX_TOKENS";
        return new Answer(model, conversation, generation, finishReason);
    }
}
