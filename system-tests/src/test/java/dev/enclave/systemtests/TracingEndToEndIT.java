package dev.enclave.systemtests;

import com.sun.net.httpserver.HttpServer;
import dev.enclave.launcher.ServiceProcess;
import dev.enclave.launcher.Suite;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, traces: the packaged suite with tracing switched on the way docs/observability.md tells an
 * operator (the SDK on, an OTLP endpoint), exporting to an OTLP/HTTP receiver in this test. One code
 * completion gives one trace whose spans chain instance-service → token-service (the AI token is
 * minted) → ai-gateway → model-adapter → the model call, and the model call's span carries the GenAI
 * attributes and the feature, never the prompt, the answer or the key. The access log names the
 * same trace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingEndToEndIT {

    /** What the receiver got: every span, with the service that exported it. */
    record Received(String service, Span span) {
        String spanId() {
            return HexFormat.of().formatHex(span.getSpanId().toByteArray());
        }

        String parentId() {
            return HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
        }

        String traceId() {
            return HexFormat.of().formatHex(span.getTraceId().toByteArray());
        }

        Optional<AnyValue> attribute(String key) {
            return span.getAttributesList().stream().filter(kv -> kv.getKey().equals(key)).map(KeyValue::getValue)
                    .findFirst();
        }

        @Override
        public String toString() {
            return service + ":" + span.getName() + "(" + span.getKind() + ")";
        }
    }

    final ConcurrentLinkedQueue<Received> spans = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> paths = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    HttpServer receiver;
    RunningSuite running;

    @BeforeAll
    void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            try {
                receive(exchange);
            } catch (RuntimeException | Error | IOException e) {
                failures.add(e.toString());
                exchange.sendResponseHeaders(500, -1);
                exchange.close();
            }
        });
        receiver.start();
        String endpoint = "http://127.0.0.1:" + receiver.getAddress().getPort();
        // docs/observability.md, "Traces": the SDK on and an OTLP endpoint; the test exports often
        Map<String, String> tracing = Map.of(
                "quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.traces.endpoint", endpoint,
                "quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf",
                "quarkus.otel.bsp.schedule.delay", "100ms");
        Map<String, Map<String, String>> properties = new LinkedHashMap<>();
        for (String service : List.of(Suite.INSTANCE, Suite.TOKEN_SERVICE, Suite.GATEWAY, Suite.ADAPTER)) {
            properties.put(service, tracing);
        }
        running = RunningSuite.start(properties);
    }

    /** One OTLP/HTTP export: protobuf, perhaps gzip-compressed (OTLP 1.x). */
    private void receive(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
        try (InputStream raw = exchange.getRequestBody();
             InputStream in = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                     ? new GZIPInputStream(raw) : raw) {
            ExportTraceServiceRequest export = ExportTraceServiceRequest.parseFrom(in);
            for (ResourceSpans resource : export.getResourceSpansList()) {
                String service = resource.getResource().getAttributesList().stream()
                        .filter(kv -> kv.getKey().equals("service.name"))
                        .map(kv -> kv.getValue().getStringValue()).findFirst().orElse("?");
                for (ScopeSpans scope : resource.getScopeSpansList()) {
                    scope.getSpansList().forEach(span -> spans.add(new Received(service, span)));
                }
            }
        }
        byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
        if (answer.length > 0) {
            exchange.getResponseBody().write(answer);
        }
        exchange.close();
    }

    @AfterAll
    void stop() {
        if (running != null) {
            running.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void oneCompletionIsOneTraceThroughAllFourServicesToTheModelCall() throws Exception {
        String secretPrompt = "def traced_" + System.nanoTime() + "(a, b):\n    ";
        RunningSuite.Answer answer = running.complete(secretPrompt);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);

        // the instance's server span of the completion is the root of its trace
        Received root = await("instance-service's server span of the completion", s ->
                s.service().equals("instance-service") && s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER
                        && s.span().getName().contains("/api/v4/code_suggestions/completions"));
        String trace = root.traceId();
        assertThat(root.parentId()).as("the root has no parent").matches("0*");

        Received modelCall = await("model-adapter's model-call span", s -> s.traceId().equals(trace)
                && s.service().equals("model-adapter") && s.attribute("gen_ai.system").isPresent());
        // the rest of the trace: everything exported with it (the model call ends last but one)
        Thread.sleep(500);
        List<Received> inTrace = spans.stream().filter(s -> s.traceId().equals(trace)).toList();
        Map<String, Received> byId = inTrace.stream().collect(Collectors.toMap(Received::spanId, s -> s, (a, b) -> a));

        // one trace: every service's spans of this request are in it
        assertThat(inTrace.stream().map(Received::service).distinct())
                .containsExactlyInAnyOrder("instance-service", "token-service", "ai-gateway", "model-adapter");

        // the chain from the model call up to the root, through the four services in order
        List<String> servicesUp = new ArrayList<>();
        Received at = modelCall;
        while (at != null) {
            if (servicesUp.isEmpty() || !servicesUp.get(servicesUp.size() - 1).equals(at.service())) {
                servicesUp.add(at.service());
            }
            at = byId.get(at.parentId());
        }
        assertThat(servicesUp).as("services from the model call up to the root of " + inTrace)
                .containsExactly("model-adapter", "ai-gateway", "instance-service");
        assertThat(ancestors(modelCall, byId)).as("the model call descends from the instance's server span")
                .contains(root.spanId());
        Received adapterServer = byId.get(modelCall.parentId());
        assertThat(adapterServer.service()).isEqualTo("model-adapter");
        assertThat(adapterServer.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        Received gatewayClient = byId.get(adapterServer.parentId());
        assertThat(gatewayClient.span().getKind()).as(gatewayClient.toString()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(gatewayClient.service()).isEqualTo("ai-gateway");

        // token-service minted the AI token within this trace, under the instance's request
        Received mint = inTrace.stream().filter(s -> s.service().equals("token-service")
                        && s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER
                        && s.span().getName().contains("/internal/v1/ai-tokens"))
                .findFirst().orElseThrow(() -> new AssertionError("no token-service mint span in " + inTrace));
        Received mintClient = byId.get(mint.parentId());
        assertThat(mintClient).as("the mint's parent").isNotNull();
        assertThat(mintClient.service()).isEqualTo("instance-service");
        assertThat(ancestors(mint, byId)).contains(root.spanId());

        // the model call's GenAI attributes and the feature; never the prompt, the answer or the key
        assertThat(modelCall.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(modelCall.attribute("gen_ai.system").orElseThrow().getStringValue()).isEqualTo("openai");
        assertThat(modelCall.attribute("gen_ai.request.model").orElseThrow().getStringValue()).isNotBlank();
        assertThat(modelCall.attribute("gen_ai.usage.input_tokens").orElseThrow().getIntValue()).isPositive();
        assertThat(modelCall.attribute("gen_ai.usage.output_tokens").orElseThrow().getIntValue()).isPositive();
        assertThat(modelCall.attribute("gen_ai.response.finish_reasons").orElseThrow().getArrayValue()
                .getValuesList()).extracting(AnyValue::getStringValue).isNotEmpty();
        assertThat(modelCall.attribute("enclave.feature").orElseThrow().getStringValue())
                .isEqualTo("complete_code");
        String text = answer.json().path("choices").path(0).path("text").asText();
        for (Received span : inTrace) {
            String all = span.span().toString();
            assertThat(all).as(span.toString()).doesNotContain(secretPrompt.trim())
                    .doesNotContain(running.modelApiKey).doesNotContain(running.adminToken);
            if (text.length() > 8) {
                assertThat(all).as(span.toString()).doesNotContain(text.trim());
            }
        }

        // the access log line of each service names the trace (instance, gateway, adapter, token-service)
        for (String service : List.of(Suite.INSTANCE, Suite.TOKEN_SERVICE, Suite.GATEWAY, Suite.ADAPTER)) {
            ServiceProcess process = running.service(service);
            assertThat(awaitLog(process, Pattern.compile("INFO +\\[en\\.access\\].* (POST|GET) /\\S+ \\d{3} "
                    + "[0-9.]+ms request_id=\\S+ trace_id=" + trace)))
                    .as(service + "'s access log line of the trace").isTrue();
        }
    }

    private static List<String> ancestors(Received span, Map<String, Received> byId) {
        List<String> ids = new ArrayList<>();
        Received at = byId.get(span.parentId());
        while (at != null) {
            ids.add(at.spanId());
            at = byId.get(at.parentId());
        }
        return ids;
    }

    private Received await(String what, Predicate<Received> match) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            Optional<Received> found = spans.stream().filter(match).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("No " + what + " within 20 s; received (paths " + paths.stream().distinct().toList()
                + ", receiver failures " + failures + "): " + spans);
    }

    private static boolean awaitLog(ServiceProcess process, Pattern line) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            Matcher found = line.matcher(Files.readString(process.log()));
            if (found.find()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
