package dev.enclave.instance.client;

import dev.enclave.instance.config.InstanceConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Raw HTTP to token-service: forwarding of the public OAuth paths, and the internal API calls
 * whose answers go back to the caller as they are. Every call is bounded by
 * {@code enclave.instance.token-service.connect-timeout} and {@code .request-timeout}. A failure
 * is a {@link TokenServiceClient.TokenServiceUnavailableException} whose message names
 * token-service without its address or the exception (those go to the log, with the request id).
 * Each call is a client span of the request's trace and carries its W3C trace context (the JDK
 * client is not instrumented by Quarkus, so this class does what the instrumented clients do).
 */
@ApplicationScoped
public class TokenServiceProxy {

    private static final Logger LOG = Logger.getLogger(TokenServiceProxy.class);

    /**
     * Response headers that belong to the answer (the rest are hop-by-hop or re-computed):
     * {@code Retry-After} tells a throttled client (429 {@code slow_down}) when to try again.
     */
    private static final List<String> PASSED_HEADERS = List.of("Content-Type", "Cache-Control", "Pragma",
            "WWW-Authenticate", "Retry-After");

    public record Answer(int status, Map<String, String> headers, byte[] body) {
    }

    private final HttpClient http;
    private final InstanceConfig config;
    private final OpenTelemetry telemetry;
    private final Tracer tracer;
    /** The span attribute {@code server.address}: parsed once, the URL is configuration. */
    private final String tokenServiceHost;

    public TokenServiceProxy(InstanceConfig config, OpenTelemetry telemetry) {
        this.config = config;
        this.tokenServiceHost = URI.create(config.tokenServiceUrl()).getHost();
        this.telemetry = telemetry;
        this.tracer = telemetry.getTracer("dev.enclave.instance.token-service-client");
        this.http = HttpClient.newBuilder().connectTimeout(config.tokenService().connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Forwards a public request (its own credentials, if any, travel with it). */
    public Answer forward(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        return send(method, pathAndQuery, headers, body);
    }

    /** Calls token-service's internal API with this instance's client credentials. */
    public Answer internal(String method, String path, String contentType, byte[] body) {
        String credentials = Base64.getEncoder().encodeToString(
                (config.clientId() + ":" + config.clientSecret()).getBytes(StandardCharsets.UTF_8));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Basic " + credentials);
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        headers.put("Accept", "application/json");
        return send(method, path, headers, body);
    }

    private Answer send(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(config.tokenServiceUrl() + pathAndQuery))
                .timeout(config.tokenService().requestTimeout())
                .method(method, body == null || body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        String path = pathAndQuery.contains("?") ? pathAndQuery.substring(0, pathAndQuery.indexOf('?')) : pathAndQuery;
        Span span = tracer.spanBuilder(method + " " + path).setSpanKind(SpanKind.CLIENT)
                .setAttribute("http.request.method", method)
                .setAttribute("url.full", config.tokenServiceUrl() + path)
                .setAttribute("server.address", tokenServiceHost)
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            telemetry.getPropagators().getTextMapPropagator().inject(Context.current(), request,
                    HttpRequest.Builder::header);
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            span.setAttribute("http.response.status_code", response.statusCode());
            if (response.statusCode() >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            Map<String, String> passed = new LinkedHashMap<>();
            for (String name : PASSED_HEADERS) {
                response.headers().firstValue(name).ifPresent(v -> passed.put(name, v));
            }
            return new Answer(response.statusCode(), passed, response.body());
        } catch (HttpTimeoutException e) {
            span.setStatus(StatusCode.ERROR, "timeout");
            LOG.warnf("token-service at %s did not answer %s %s within %s: %s", config.tokenServiceUrl(), method, path,
                    config.tokenService().requestTimeout(), e);
            throw new TokenServiceClient.TokenServiceUnavailableException("token-service did not answer within "
                    + seconds(config.tokenService().requestTimeout().toMillis()));
        } catch (IOException e) {
            span.setStatus(StatusCode.ERROR, "unreachable");
            LOG.warnf("token-service at %s is unreachable (%s %s): %s", config.tokenServiceUrl(), method, path, e);
            throw new TokenServiceClient.TokenServiceUnavailableException("token-service is unreachable");
        } catch (InterruptedException e) {
            // A fault tolerance timeout interrupts the calling thread.
            Thread.currentThread().interrupt();
            span.setStatus(StatusCode.ERROR, "interrupted");
            throw new TokenServiceClient.TokenServiceUnavailableException("token-service did not answer in time");
        } finally {
            span.end();
        }
    }

    /** "5 s", "1.5 s": how budgets are named in error messages. */
    public static String seconds(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
