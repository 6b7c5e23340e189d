package dev.enclave.support.testing;

import io.restassured.specification.RequestSpecification;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Deny by default, checked from the service's own OpenAPI document: every operation it lists is
 * called without credentials (path parameters as {@code 1}), once per body in {@code bodies}, and
 * whatever answers other than 400, 401 or 403 is reported as open. Operations in the public list
 * are not called but recorded as seen, so a test can also show that its public list is not stale.
 * A route added later is covered as soon as it exists.
 */
public record AnonymousSweep(Set<String> checked, Set<String> publicSeen, List<String> open) {

    /** A request with no body (and no Content-Type). */
    public static final String NO_BODY = "";

    static final Set<Integer> REFUSED = Set.of(400, 401, 403);
    static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");

    /**
     * @param given     the test's {@code RestAssured::given} (pointing at the service under test)
     * @param publicRoutes routes ({@code "GET /path/{param}"}) that may answer anonymous callers
     * @param bodies    the bodies each operation is called with: {@link #NO_BODY} or a JSON document
     */
    public static AnonymousSweep run(Supplier<RequestSpecification> given, Set<String> publicRoutes, String... bodies) {
        Map<String, Map<String, Object>> paths = given.get().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().path("paths");
        Set<String> checked = new TreeSet<>();
        Set<String> publicSeen = new TreeSet<>();
        List<String> open = new ArrayList<>();
        paths.forEach((path, operations) -> operations.keySet().stream().filter(METHODS::contains).forEach(method -> {
            String route = method.toUpperCase() + " " + path;
            if (publicRoutes.contains(route)) {
                publicSeen.add(route);
                return;
            }
            String concrete = path.replaceAll("\\{[^}]+}", "1");
            for (String body : bodies) {
                RequestSpecification request = given.get();
                if (!NO_BODY.equals(body)) {
                    request.contentType("application/json").body(body);
                }
                int status = request.request(method.toUpperCase(), concrete).statusCode();
                if (!REFUSED.contains(status)) {
                    open.add(route + (NO_BODY.equals(body) ? "" : " with body " + body) + " answered " + status);
                }
            }
            checked.add(route);
        }));
        return new AnonymousSweep(checked, publicSeen, open);
    }
}
