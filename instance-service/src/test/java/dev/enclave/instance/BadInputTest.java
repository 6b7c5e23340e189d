package dev.enclave.instance;

import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static dev.enclave.instance.Api.id;
import static dev.enclave.instance.Api.post;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 13: input that used to end in a 500 (a huge page number, {@code %zz} in a path,
 * a string longer than its column, two requests creating the same thing at once) is answered
 * with a 4xx that says what is wrong, on every endpoint that takes it.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class BadInputTest {

    /** Placeholders in the paths below, replaced by the fixture's ids. */
    record Case(String method, String path, Map<String, Object> body, int status, String message) {
        @Override
        public String toString() {
            return method + " " + (path.length() > 90 ? path.substring(0, 90) + "..." : path)
                    + (body == null ? "" : " " + body.keySet()) + " -> " + status;
        }
    }

    static final List<String> LISTS = List.of("/api/v4/projects", "/api/v4/users", "/api/v4/service_accounts",
            "/api/v4/personal_access_tokens", "/api/v4/audit_events", "/api/v4/admin/duo/seats",
            "/api/v4/groups/{group}/members", "/api/v4/projects/{project}/members",
            "/api/v4/projects/{project}/issues");

    static String longer(int max) {
        return "a".repeat(max + 1);
    }

    static Stream<Case> pageNumbers() {
        List<Case> cases = new ArrayList<>();
        for (String list : LISTS) {
            // Beyond the last page: an empty page, whatever the number (it used to overflow an int offset).
            cases.add(new Case("GET", list + "?page=2147483647&per_page=100", null, 200, null));
            cases.add(new Case("GET", list + "?page=99999999999", null, 200, null));
            cases.add(new Case("GET", list + "?page=9223372036854775807&per_page=100", null, 200, null));
            cases.add(new Case("GET", list + "?per_page=99999999999", null, 200, null));
            cases.add(new Case("GET", list + "?page=99999999999999999999", null, 400, "page is invalid"));
            cases.add(new Case("GET", list + "?page=abc", null, 400, "page is invalid"));
            cases.add(new Case("GET", list + "?page=0", null, 400, "page must be 1 or more"));
            cases.add(new Case("GET", list + "?per_page=-1", null, 400, "per_page must be 1 or more"));
            cases.add(new Case("GET", list + "?per_page=1e3", null, 400, "per_page is invalid"));
        }
        return cases.stream();
    }

    static Stream<Case> paths() {
        return Stream.of(
                new Case("GET", "/api/v4/projects/%25zz", null, 404, "404 Project Not Found"),
                new Case("RAW", "/api/v4/projects/%zz", null, 400, null),
                new Case("GET", "/api/v4/projects/{groupPath}%2F%25zz", null, 404, "404 Project Not Found"),
                new Case("GET", "/api/v4/groups/%25zz", null, 404, "404 Group Not Found"),
                new Case("RAW", "/api/v4/groups/%zz", null, 400, null),
                new Case("RAW", "/api/v4/projects?page=%zz", null, 400, null),
                new Case("RAW", "/api/v4/users?username=%zz", null, 400, null),
                new Case("RAWFORM", "/api/v4/applications", null, 400, "malformed %-escape"),
                new Case("GET", "/api/v4/projects/%25zz/issues", null, 404, "404 Project Not Found"),
                new Case("GET", "/api/v4/groups/%25zz/members", null, 404, "404 Group Not Found"),
                new Case("GET", "/api/v4/projects/99999999999999999999", null, 404, "404 Project Not Found"),
                new Case("GET", "/api/v4/groups/99999999999999999999", null, 404, "404 Group Not Found"),
                new Case("GET", "/api/v4/projects/99999999999999999999/members", null, 404, "404 Project Not Found"));
    }

    static Stream<Case> lengths() {
        String tooLong = " is too long (maximum is ";
        return Stream.of(
                new Case("POST", "/api/v4/users", Map.of("username", longer(255), "name", "n"), 400,
                        "username" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/users", Map.of("username", "u{s}", "name", longer(255)), 400,
                        "name" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/users", Map.of("username", "u{s}", "name", "n", "email", longer(255)), 400,
                        "email" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/service_accounts", Map.of("name", longer(255)), 400,
                        "name" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/groups", Map.of("name", longer(255), "path", "g{s}"), 400,
                        "name" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/groups", Map.of("name", "g", "path", longer(255)), 400,
                        "path" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/groups", Map.of("name", "deeper", "path", "x".repeat(60), "parent_id", "{deepGroup}"),
                        400, "(maximum is 1024)"),
                new Case("POST", "/api/v4/projects", Map.of("name", longer(255)), 400,
                        "name" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/projects", Map.of("name", "p", "path", longer(255)), 400,
                        "path" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/projects", Map.of("name", "p{s}", "description", longer(2000)), 400,
                        "description" + tooLong + "2000 characters)"),
                new Case("PUT", "/api/v4/projects/{project}", Map.of("name", longer(255)), 400,
                        "name" + tooLong + "255 characters)"),
                new Case("PUT", "/api/v4/projects/{project}", Map.of("description", longer(2000)), 400,
                        "description" + tooLong + "2000 characters)"),
                new Case("POST", "/api/v4/projects/{project}/issues", Map.of("title", longer(255)), 400,
                        "title" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/projects/{project}/issues", Map.of("title", "t", "description",
                        longer(10000)), 400, "description" + tooLong + "10000 characters)"),
                new Case("POST", "/api/v4/projects/{project}/issues/1/notes", Map.of("body", longer(10000)), 400,
                        "body" + tooLong + "10000 characters)"),
                new Case("POST", "/api/v4/projects/{project}/labels", Map.of("name", longer(255), "color", "#000000"),
                        400, "name" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/users/{user}/personal_access_tokens", Map.of("name", longer(255),
                        "scopes", List.of("api")), 400, "name" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/admin/ai/self_hosted_models", model("name", longer(255)), 400,
                        "name" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/admin/ai/self_hosted_models",
                        model("endpoint", "http://127.0.0.1:8000/" + longer(2048)), 400,
                        "endpoint" + tooLong + "2048 characters)"),
                new Case("POST", "/api/v4/admin/ai/self_hosted_models", model("identifier", longer(255)), 400,
                        "identifier" + tooLong + "255 characters)"),
                new Case("POST", "/api/v4/admin/ai/self_hosted_models", model("api_token", longer(4096)), 400,
                        "api_token" + tooLong + "4096 characters)"),
                new Case("PUT", "/api/v4/admin/ai/self_hosted_models/{model}", Map.of("name", longer(255)), 400,
                        "name" + tooLong + "255 characters)"),
                new Case("PUT", "/api/v4/admin/ai/settings", Map.of("ai_gateway_url", "http://gw/" + longer(2048)),
                        400, "ai_gateway_url" + tooLong + "2048 characters)"));
    }

    static Map<String, Object> model(String field, String value) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("name", "m{s}", "model", "codestral",
                "endpoint", "http://127.0.0.1:8000/v1", "identifier", "custom_openai/codestral-22b"));
        body.put(field, value);
        return body;
    }

    @Inject
    TestData data;

    static String admin;
    static Map<String, String> fixture;

    @BeforeEach
    void fixture() {
        if (fixture != null) {
            return;
        }
        User adminUser = data.admin();
        admin = data.token(adminUser, Set.of("api"), LocalDate.now().plusDays(1));
        data.paidLicense();
        String s = UUID.randomUUID().toString().substring(0, 8);
        String groupPath = "bad-" + s;
        long group = id(post(admin, "/api/v4/groups", Map.of("name", groupPath)));
        long project = id(post(admin, "/api/v4/projects", Map.of("name", "p", "namespace_id", group)));
        post(admin, "/api/v4/projects/" + project + "/issues", Map.of("title", "first")).then().statusCode(201);
        // 981 characters of full path: a further segment of 60 makes it longer than 1024, each segment fitting.
        long deep = group;
        for (int level = 0; level < 4; level++) {
            deep = id(post(admin, "/api/v4/groups", Map.of("name", "level", "path",
                    (level + "-" + s + "-").repeat(40).substring(0, level == 0 ? 200 : 255), "parent_id", deep)));
        }
        long model = id(given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON)
                .body(Map.of("name", "bad-model-" + s, "model", "codestral", "endpoint", "http://127.0.0.1:8000/v1",
                        "identifier", "custom_openai/codestral-22b")).post("/api/v4/admin/ai/self_hosted_models"));
        fixture = Map.of("{group}", String.valueOf(group), "{groupPath}", groupPath,
                "{project}", String.valueOf(project), "{deepGroup}", String.valueOf(deep),
                "{user}", String.valueOf(adminUser.id), "{model}", String.valueOf(model), "{s}", s);
    }

    private static String resolve(String template) {
        String out = template;
        for (Map.Entry<String, String> e : fixture.entrySet()) {
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    private static Object resolve(Object value) {
        if (value instanceof String text) {
            String resolved = resolve(text);
            return resolved.matches("[0-9]+") && text.startsWith("{") ? Long.parseLong(resolved) : resolved;
        }
        return value;
    }

    private static Response send(Case c) {
        var request = given().urlEncodingEnabled(false).header("PRIVATE-TOKEN", admin);
        if (c.body() != null) {
            Map<String, Object> body = new java.util.HashMap<>();
            c.body().forEach((k, v) -> body.put(k, resolve(v)));
            request = request.contentType(ContentType.JSON).body(body);
        }
        return request.request(c.method(), resolve(c.path()));
    }

    /**
     * A malformed escape as sent on the wire (HTTP clients refuse to send one): any 4xx, since the
     * HTTP layer may refuse it before the API sees it, but never a 500.
     */
    private static void checkRaw(Case c) throws IOException {
        boolean form = c.method().equals("RAWFORM");
        String body = form ? "name=%zz&redirect_uri=https://x.example/cb&scopes=api" : "";
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.getOutputStream().write(((form ? "POST " : "GET ") + c.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "PRIVATE-TOKEN: " + admin + "\r\n"
                    + (form ? "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length()
                    + "\r\n" : "") + "Connection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(answer.substring(9, 12));
            assertThat(status).as(c + ": " + answer).isBetween(400, 404);
            if (c.message() != null) {
                assertThat(answer).as(c.toString()).contains(c.message());
            }
        }
    }

    private static void check(Case c) throws IOException {
        if (c.method().startsWith("RAW")) {
            checkRaw(c);
            return;
        }
        Response response = send(c);
        assertThat(response.statusCode()).as(c + ": " + response.asString()).isEqualTo(c.status());
        if (c.status() >= 400) {
            String message = response.jsonPath().getString("error") != null ? response.jsonPath().getString("error")
                    : response.jsonPath().getString("message");
            assertThat(message).as(c + ": the answer says what is wrong").isNotBlank();
            if (c.message() != null) {
                assertThat(message).as(c.toString()).contains(c.message());
            }
        } else {
            assertThat(response.jsonPath().getList("$")).as(c.toString()).isNotNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pageNumbers")
    void pageNumbersOfAnySizeAreAnsweredWithoutA500(Case c) throws IOException {
        check(c);
    }

    @Test
    void aPageBeyondTheLastIsEmptyAndClampsPerPage() {
        Response response = given().header("PRIVATE-TOKEN", admin).get("/api/v4/users?page=2147483647&per_page=500");
        response.then().statusCode(200);
        assertThat(response.jsonPath().getList("$")).isEmpty();
        assertThat(response.header("X-Page")).isEqualTo("2147483647");
        assertThat(response.header("X-Per-Page")).isEqualTo("100");
        assertThat(response.header("X-Next-Page")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void malformedOrHugeIdsInPathsAreNotFound(Case c) throws IOException {
        check(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lengths")
    void stringsLongerThanTheirColumnAreRefusedByName(Case c) throws IOException {
        check(c);
    }

    @Test
    void concurrentCreationsOfTheSameThingAreOneSuccessAndConflicts() throws Exception {
        String s = UUID.randomUUID().toString().substring(0, 8);
        long project = Long.parseLong(fixture.get("{project}"));
        User newcomer = data.user(User.ACTIVE);
        List<Supplier<Response>> creations = List.of(
                () -> post(admin, "/api/v4/users", Map.of("username", "same-" + s, "name", "n")),
                () -> post(admin, "/api/v4/groups", Map.of("name", "same-group-" + s)),
                () -> post(admin, "/api/v4/projects/" + project + "/labels", Map.of("name", "same-" + s,
                        "color", "#000000")),
                () -> post(admin, "/api/v4/projects/" + project + "/members", Map.of("user_id", newcomer.id,
                        "access_level", 30)),
                () -> post(admin, "/api/v4/admin/ai/self_hosted_models", Map.of("name", "same-" + s,
                        "model", "codestral", "endpoint", "http://127.0.0.1:8000/v1",
                        "identifier", "custom_openai/codestral-22b")));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (Supplier<Response> creation : creations) {
                CountDownLatch start = new CountDownLatch(1);
                List<CompletableFuture<Response>> answers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    answers.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            start.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return creation.get();
                    }, pool));
                }
                start.countDown();
                List<Response> responses = answers.stream().map(CompletableFuture::join).toList();
                List<Integer> statuses = responses.stream().map(Response::statusCode).toList();
                assertThat(statuses).as(responses.get(0).asString()).isSubsetOf(201, 400, 409);
                assertThat(statuses.stream().filter(st -> st == 201)).as(statuses.toString()).hasSize(1);
                responses.stream().filter(r -> r.statusCode() != 201).forEach(r ->
                        assertThat(r.asString()).as("a conflict says what was taken").containsAnyOf(
                                "already been taken", "already exists"));
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
