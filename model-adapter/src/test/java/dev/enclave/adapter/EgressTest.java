package dev.enclave.adapter;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/** The egress allowlist at connect time: what is checked is where the connection goes. */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class EgressTest {

    private static final String OUTSIDE = "(enclave.adapter.egress.allowed-cidrs)";
    private static HttpServer redirector;
    private static volatile String redirectTo;

    @BeforeAll
    static void startRedirector() throws IOException {
        redirector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        redirector.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Location", redirectTo);
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        redirector.start();
    }

    @AfterAll
    static void stopRedirector() {
        redirector.stop(0);
    }

    @BeforeEach
    void reset() {
        SimulatedModelServer.reset();
        ScriptedHostResolver.clear();
    }

    private static int port() {
        return SimulatedModelServer.simulator.port();
    }

    private static Response complete(String endpoint) {
        Map<String, Object> model = Map.of("provider", "openai_compatible", "endpoint", endpoint,
                "identifier", SimulatedModelServer.MODEL, "api_key", SimulatedModelServer.API_KEY);
        return given().contentType(ContentType.JSON).body(Map.of("model", model, "prompt", "x", "max_tokens", 2))
                .post("/v1/completions");
    }

    @Test
    void theHostIsResolvedOnceAndTheCallGoesToTheAddressThatWasChecked() {
        ScriptedHostResolver.script("rebind.test", "127.0.0.1", "203.0.113.7");

        complete("http://rebind.test:" + port() + "/v1").then().statusCode(200);

        assertThat(ScriptedHostResolver.lookups("rebind.test")).isEqualTo(1);
        assertThat(SimulatedModelServer.simulator.recordedRequests()).singleElement()
                .satisfies(sent -> assertThat(sent.header("Host")).isEqualTo("rebind.test:" + port()));

        // the next call's lookup answers outside: it is checked afresh and refused before any connection
        complete("http://rebind.test:" + port() + "/v1").then().statusCode(403)
                .body("error", equalTo("egress_denied"))
                .body("message", equalTo("model endpoint host rebind.test resolves to 203.0.113.7, which is "
                        + "outside the allowed networks " + OUTSIDE));
        assertThat(ScriptedHostResolver.lookups("rebind.test")).isEqualTo(2);
        assertThat(SimulatedModelServer.simulator.recordedRequests()).hasSize(1);
    }

    @Test
    void everyAddressANameResolvesToMustBeInside() {
        ScriptedHostResolver.script("split.test", "127.0.0.1,203.0.113.9");

        complete("http://split.test:" + port() + "/v1").then().statusCode(403)
                .body("message", equalTo("model endpoint host split.test resolves to 203.0.113.9, which is "
                        + "outside the allowed networks " + OUTSIDE));
        assertThat(SimulatedModelServer.simulator.recordedRequests()).isEmpty();
    }

    @Test
    void ipv4MappedIpv6LiteralsAreCheckedAsTheIpv4AddressTheyCarry() {
        complete("http://[::ffff:127.0.0.1]:" + port() + "/v1").then().statusCode(200);
        complete("http://[::ffff:203.0.113.1]:" + port() + "/v1").then().statusCode(403)
                .body("message", containsString("resolves to 203.0.113.1, which is outside"));
    }

    @Test
    void addressesOutsideTheAllowlistAreRefusedBeforeAnyConnection() {
        complete("http://203.0.113.10:" + port() + "/v1").then().statusCode(403)
                .body("error", equalTo("egress_denied"))
                .body("message", equalTo("model endpoint host 203.0.113.10 resolves to 203.0.113.10, which is "
                        + "outside the allowed networks " + OUTSIDE));
    }

    @Test
    void theUnspecifiedAddressIsNeverAllowed() {
        complete("http://0.0.0.0:" + port() + "/v1").then().statusCode(403)
                .body("message", containsString("the unspecified address, which is never allowed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "0x7f.0.0.1", "0177.0.0.1", "127.1", "0x7f000001", "127.0.0.01"})
    void numericHostFormsOtherThanDottedQuadsAreRefused(String host) {
        complete("http://" + host + ":" + port() + "/v1").then().statusCode(422)
                .body("error", equalTo("invalid_request"))
                .body("message", containsString("is a numeric form that is not a dotted-quad IPv4 address"));
        assertThat(SimulatedModelServer.simulator.recordedRequests()).isEmpty();
    }

    @Test
    void userInfoIsRefusedWithoutBeingRepeated() {
        complete("http://admin:hunter2@127.0.0.1:" + port() + "/v1").then().statusCode(422)
                .body("message", containsString("must not contain user info"))
                .body("message", not(containsString("hunter2")));
    }

    @Test
    void aNameThatDoesNotResolveIsUnreachable() {
        ScriptedHostResolver.script("gone.test");

        complete("http://gone.test:" + port() + "/v1").then().statusCode(502)
                .body("error", equalTo("model_server_unreachable"))
                .body("message", equalTo("model endpoint host gone.test cannot be resolved"));
    }

    @Test
    void aRedirectOutsideIsAnEgressRefusal() {
        redirectTo = "http://203.0.113.50/v1/completions";

        complete("http://127.0.0.1:" + redirector.getAddress().getPort() + "/v1").then().statusCode(403)
                .body("error", equalTo("egress_denied"))
                .body("message", containsString("redirected to http://203.0.113.50/v1/completions, which is refused: "
                        + "model endpoint host 203.0.113.50 resolves to 203.0.113.50, which is outside"));
    }

    @Test
    void aRedirectInsideIsNotFollowedEither() {
        redirectTo = "http://127.0.0.1:" + port() + "/v1/completions";

        complete("http://127.0.0.1:" + redirector.getAddress().getPort() + "/v1").then().statusCode(502)
                .body("error", equalTo("model_server_error"))
                .body("model_status", equalTo(302))
                .body("message", containsString("answered 302 redirecting to " + redirectTo
                        + "; redirects are not followed"));
        assertThat(SimulatedModelServer.simulator.recordedRequests()).isEmpty();
    }
}
