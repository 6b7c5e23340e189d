package dev.enclave.instance;

import dev.enclave.instance.domain.User;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.enclave.instance.Api.get;
import static dev.enclave.instance.Api.id;
import static dev.enclave.instance.Api.post;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 7: {@code GET /api/v4/projects} decides visibility in the database and reads
 * one page, so its cost does not grow with the projects a caller cannot see.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class ProjectListingTest {

    static final int HIDDEN_PROJECTS = 10_000;

    @Inject
    TestData data;

    @Inject
    SessionFactory sessions;

    @Inject
    AgroalDataSource dataSource;

    String admin;
    String s;
    long hiddenGroup;

    @BeforeEach
    void setUp() throws SQLException {
        User adminUser = data.admin();
        admin = data.token(adminUser, Set.of("api"), LocalDate.now().plusDays(1));
        s = UUID.randomUUID().toString().substring(0, 8);
        hiddenGroup = id(post(admin, "/api/v4/groups", Map.of("name", "hidden-" + s, "visibility", "private")));
        insertPrivateProjects(hiddenGroup, "hidden-" + s, adminUser.id, HIDDEN_PROJECTS);
    }

    @AfterEach
    void dropHiddenProjects() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement delete = c.prepareStatement("DELETE FROM projects WHERE group_id = ?")) {
            delete.setLong(1, hiddenGroup);
            delete.executeUpdate();
        }
    }

    /** In bulk, around the API: 10,000 requests would take minutes. */
    private void insertPrivateProjects(long groupId, String groupPath, long creatorId, int count) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO projects (name, path, full_path, group_id,"
                    + " creator_id, visibility, created_at) VALUES (?, ?, ?, ?, ?, 'private', ?)")) {
                OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
                for (int i = 0; i < count; i++) {
                    insert.setString(1, "p" + i);
                    insert.setString(2, "p" + i);
                    insert.setString(3, groupPath + "/p" + i);
                    insert.setLong(4, groupId);
                    insert.setLong(5, creatorId);
                    insert.setObject(6, now);
                    insert.addBatch();
                    if (i % 1000 == 999) {
                        insert.executeBatch();
                    }
                }
                insert.executeBatch();
            }
            c.commit();
        }
    }

    private String tokenOf(User user) {
        return data.token(user, Set.of("read_api"), LocalDate.now().plusDays(1));
    }

    private void member(String kind, long id, long userId) {
        post(admin, "/api/v4/" + kind + "/" + id + "/members", Map.of("user_id", userId, "access_level", 20))
                .then().statusCode(201);
    }

    private long statementsOf(Runnable request) {
        Statistics statistics = sessions.getStatistics();
        statistics.clear();
        request.run();
        return statistics.getPrepareStatementCount();
    }

    @Test
    void onePageCostsTheSameFewStatementsWhateverTheHiddenProjects() {
        User user = data.user(User.ACTIVE);
        String token = tokenOf(user);
        String writer = data.token(user, Set.of("api"), LocalDate.now().plusDays(1));
        for (int i = 0; i < 3; i++) {
            post(writer, "/api/v4/projects", Map.of("name", "own-" + i + "-" + s)).then().statusCode(201);
        }
        get(token, "/api/v4/projects?per_page=1").then().statusCode(200); // warms the token cache

        long onePage = statementsOf(() -> get(token, "/api/v4/projects?per_page=1").then().statusCode(200));
        long largerPage = statementsOf(() -> get(token, "/api/v4/projects?per_page=50").then().statusCode(200));
        long laterPage = statementsOf(() -> get(token, "/api/v4/projects?per_page=1&page=3").then().statusCode(200));

        // A count and a page (groups and creators fetched with it), whatever the page size or number.
        assertThat(onePage).as("SQL statements for per_page=1").isBetween(1L, 3L);
        assertThat(largerPage).as("SQL statements for per_page=50").isEqualTo(onePage);
        assertThat(laterPage).as("SQL statements for page 3").isEqualTo(onePage);

        // An admin sees the 10,000 too, still in one page's worth of statements.
        get(admin, "/api/v4/projects?per_page=1").then().statusCode(200);
        long adminPage = statementsOf(() -> get(admin, "/api/v4/projects?per_page=1&page=5000").then()
                .statusCode(200));
        assertThat(adminPage).as("SQL statements for an admin's page").isEqualTo(onePage);
    }

    @Test
    void theListHoldsExactlyWhatTheCallerMaySee() {
        User user = data.user(User.ACTIVE);
        User other = data.user(User.ACTIVE);
        String token = data.token(user, Set.of("api"), LocalDate.now().plusDays(1));

        long ancestor = id(post(admin, "/api/v4/groups", Map.of("name", "anc-" + s, "visibility", "private")));
        long child = id(post(admin, "/api/v4/groups", Map.of("name", "child", "parent_id", ancestor)));
        long grandchild = id(post(admin, "/api/v4/groups", Map.of("name", "grandchild", "parent_id", child)));
        member("groups", ancestor, user.id);
        post(admin, "/api/v4/projects", Map.of("name", "deep-" + s, "namespace_id", grandchild)).then().statusCode(201);
        // A group whose path merely starts with the ancestor's is not inside it.
        long lookalike = id(post(admin, "/api/v4/groups", Map.of("name", "anc-" + s + "x", "visibility", "private")));
        post(admin, "/api/v4/projects", Map.of("name", "lookalike-" + s, "namespace_id", lookalike)).then()
                .statusCode(201);

        long publicGroup = id(post(admin, "/api/v4/groups", Map.of("name", "pub-" + s, "visibility", "public")));
        post(admin, "/api/v4/projects", Map.of("name", "public-" + s, "namespace_id", publicGroup,
                "visibility", "public")).then().statusCode(201);
        post(admin, "/api/v4/projects", Map.of("name", "internal-" + s, "namespace_id", publicGroup,
                "visibility", "internal")).then().statusCode(201);
        post(admin, "/api/v4/projects", Map.of("name", "private-" + s, "namespace_id", publicGroup)).then()
                .statusCode(201);
        long direct = id(post(admin, "/api/v4/projects", Map.of("name", "direct-" + s, "namespace_id", publicGroup)));
        member("projects", direct, user.id);

        post(token, "/api/v4/projects", Map.of("name", "mine-" + s)).then().statusCode(201);
        post(data.token(other, Set.of("api"), LocalDate.now().plusDays(1)), "/api/v4/projects",
                Map.of("name", "theirs-" + s)).then().statusCode(201);

        assertThat(visibleNames(token)).containsExactlyInAnyOrder("deep-" + s, "public-" + s, "internal-" + s,
                "direct-" + s, "mine-" + s);
        // An admin sees everything, the hidden ones included.
        Response adminPage = get(admin, "/api/v4/projects?per_page=1");
        assertThat(Long.parseLong(adminPage.header("X-Total"))).isGreaterThanOrEqualTo(HIDDEN_PROJECTS + 8);
    }

    @Test
    void withCompositeIdentityBothTheAccountAndTheHumanMustSeeAProject() {
        data.paidLicense();
        long account = ((Number) post(admin, "/api/v4/service_accounts", Map.of("composite_identity_enforced", true))
                .path("id")).longValue();
        User human = data.user(User.ACTIVE);
        long group = id(post(admin, "/api/v4/groups", Map.of("name", "ci-" + s, "visibility", "private")));
        long both = id(post(admin, "/api/v4/projects", Map.of("name", "both-" + s, "namespace_id", group)));
        long accountOnly = id(post(admin, "/api/v4/projects", Map.of("name", "account-" + s, "namespace_id", group)));
        long humanOnly = id(post(admin, "/api/v4/projects", Map.of("name", "human-" + s, "namespace_id", group)));
        member("projects", both, account);
        member("projects", both, human.id);
        member("projects", accountOnly, account);
        member("projects", humanOnly, human.id);

        String token = TestOAuthTokens.accessToken(account, "api user:" + human.id);
        List<String> names = new ArrayList<>();
        for (int page = 1; page < 1000; page++) {
            Response response = given().auth().oauth2(token).get("/api/v4/projects?per_page=100&page=" + page);
            response.then().statusCode(200);
            names.addAll(response.jsonPath().getList("name", String.class));
            if (response.header("X-Next-Page").isEmpty()) {
                break;
            }
        }
        assertThat(names.stream().filter(n -> n.endsWith("-" + s))).containsExactly("both-" + s);
    }

    /** Every page, following X-Next-Page; only this test's projects (others may be public). */
    private List<String> visibleNames(String token) {
        List<String> names = new ArrayList<>();
        for (int page = 1; page < 1000; page++) {
            Response response = get(token, "/api/v4/projects?per_page=100&page=" + page);
            response.then().statusCode(200);
            names.addAll(response.jsonPath().getList("name", String.class));
            if (response.header("X-Next-Page").isEmpty()) {
                assertThat(Long.parseLong(response.header("X-Total"))).as("X-Total").isEqualTo(names.size());
                break;
            }
        }
        return names.stream().filter(n -> n.endsWith("-" + s)).toList();
    }
}
