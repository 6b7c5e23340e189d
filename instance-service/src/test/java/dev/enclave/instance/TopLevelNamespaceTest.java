package dev.enclave.instance;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static dev.enclave.instance.Api.get;
import static dev.enclave.instance.Api.id;
import static dev.enclave.instance.Api.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

/**
 * Issue 12, finding 12: usernames and top-level group paths are one namespace, ignoring case, as in
 * GitLab. A group cannot squat a user's namespace, nor a user take a group's.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class TopLevelNamespaceTest {

    @Inject
    TestData data;

    String admin;
    String s;

    @BeforeEach
    void setUp() {
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        s = UUID.randomUUID().toString().substring(0, 8);
    }

    private Response createUser(String username) {
        return post(admin, "/api/v4/users", Map.of("username", username, "name", "Someone"));
    }

    @Test
    void aGroupCannotTakeAUsersNameInAnyCase() {
        createUser("alice-" + s).then().statusCode(201);

        for (String path : List.of("alice-" + s, "ALICE-" + s)) {
            post(admin, "/api/v4/groups", Map.of("name", "Squat", "path", path)).then().statusCode(400)
                    .header("X-GitLab-Error-Origin", "monolith")
                    .body("message.path", contains("has already been taken"));
        }
        // Derived from the name, too.
        post(admin, "/api/v4/groups", Map.of("name", "Alice-" + s)).then().statusCode(400)
                .body("message.path", contains("has already been taken"));
        // The user's personal project stays theirs: nothing else answers at their path.
        get(admin, "/api/v4/groups/alice-" + s).then().statusCode(404);
    }

    @Test
    void aSubgroupMayUseAUsernameAsItsOwnPath() {
        createUser("bob-" + s).then().statusCode(201);
        long parent = id(post(admin, "/api/v4/groups", Map.of("name", "team-" + s)));
        post(admin, "/api/v4/groups", Map.of("name", "Bob", "path", "bob-" + s, "parent_id", parent)).then()
                .statusCode(201).body("full_path", equalTo("team-" + s + "/bob-" + s));
    }

    @Test
    void aUserCannotTakeATopLevelGroupsPathInAnyCase() {
        post(admin, "/api/v4/groups", Map.of("name", "Platform", "path", "platform-" + s)).then().statusCode(201);

        createUser("platform-" + s).then().statusCode(409)
                .body("message", equalTo("Username has already been taken"));
        createUser("Platform-" + s.toUpperCase(Locale.ROOT)).then().statusCode(409)
                .body("message", equalTo("Username has already been taken"));
        data.paidLicense();
        post(admin, "/api/v4/service_accounts", Map.of("username", "PLATFORM-" + s)).then().statusCode(409);
    }

    @Test
    void usernamesDifferingOnlyInCaseAreOneNamespace() {
        createUser("carol-" + s).then().statusCode(201);
        createUser("Carol-" + s).then().statusCode(409).body("message", equalTo("Username has already been taken"));
    }

    @Test
    void aUserAndAGroupCreatedAtOnceCannotBothHaveThePath() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 5; round++) {
                String path = "race-" + round + "-" + s;
                CountDownLatch start = new CountDownLatch(1);
                List<CompletableFuture<Integer>> answers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    boolean user = i % 2 == 0;
                    answers.add(CompletableFuture.supplyAsync(() -> {
                        await(start);
                        return (user ? createUser(path)
                                : post(admin, "/api/v4/groups", Map.of("name", "Race", "path", path))).statusCode();
                    }, pool));
                }
                start.countDown();
                List<Integer> statuses = answers.stream().map(CompletableFuture::join).toList();
                assertThat(statuses).as("round %d", round).containsOnly(201, 400, 409);
                assertThat(statuses.stream().filter(st -> st == 201)).as("round %d", round).hasSize(1);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
