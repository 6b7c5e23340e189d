package dev.enclave.instance;

import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.enclave.instance.Api.get;
import static dev.enclave.instance.Api.id;
import static dev.enclave.instance.Api.post;
import static org.hamcrest.Matchers.equalTo;

/** Groups, projects, memberships and GitLab's visibility and permission rules. */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class AccessControlTest {

    @Inject
    TestData data;

    String admin;
    String suffix;

    @BeforeEach
    void setUp() {
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        suffix = UUID.randomUUID().toString().substring(0, 8);
    }

    private String userToken(User user) {
        return data.token(user, Set.of("api"), LocalDate.now().plusDays(1));
    }

    private void member(String kind, long id, long userId, int level) {
        post(admin, "/api/v4/" + kind + "/" + id + "/members", Map.of("user_id", userId, "access_level", level))
                .then().statusCode(201);
    }

    @Test
    void membershipOfAnAncestorGroupOpensPrivateProjectsInSubgroups() {
        long parent = id(post(admin, "/api/v4/groups", Map.of("name", "parent-" + suffix, "visibility", "private")));
        long child = id(post(admin, "/api/v4/groups", Map.of("name", "child", "parent_id", parent)));
        long project = id(post(admin, "/api/v4/projects", Map.of("name", "secret", "namespace_id", child)));
        User reporter = data.user(User.ACTIVE);
        User outsider = data.user(User.ACTIVE);
        member("groups", parent, reporter.id, 20);

        get(userToken(reporter), "/api/v4/projects/" + project).then().statusCode(200)
                .body("path_with_namespace", equalTo("parent-" + suffix + "/child/secret"));
        get(userToken(outsider), "/api/v4/projects/" + project).then().statusCode(404)
                .body("message", equalTo("404 Project Not Found"));
        get(userToken(reporter), "/api/v4/groups/" + child).then().statusCode(200);
        get(userToken(outsider), "/api/v4/groups/" + child).then().statusCode(404);
    }

    @Test
    void projectsAreFoundByUrlEncodedPath() {
        long group = id(post(admin, "/api/v4/groups", Map.of("name", "enc-" + suffix, "visibility", "public")));
        id(post(admin, "/api/v4/projects", Map.of("name", "repo", "namespace_id", group, "visibility", "public")));
        get(admin, "/api/v4/projects/enc-" + suffix + "%2Frepo").then().statusCode(200)
                .body("name", equalTo("repo")).body("namespace.kind", equalTo("group"));
        get(admin, "/api/v4/groups/enc-" + suffix).then().statusCode(200);
        get(admin, "/api/v4/projects/enc-" + suffix + "%2Fnope").then().statusCode(404);
    }

    @Test
    void internalProjectsAreVisibleToEveryUserButWritesNeedTheLevel() {
        long group = id(post(admin, "/api/v4/groups", Map.of("name", "int-" + suffix, "visibility", "internal")));
        long project = id(post(admin, "/api/v4/projects",
                Map.of("name", "shared", "namespace_id", group, "visibility", "internal")));
        User guest = data.user(User.ACTIVE);
        User reporter = data.user(User.ACTIVE);
        member("projects", project, guest.id, 10);
        member("projects", project, reporter.id, 20);
        User stranger = data.user(User.ACTIVE);

        get(userToken(stranger), "/api/v4/projects/" + project).then().statusCode(200);
        post(userToken(stranger), "/api/v4/projects/" + project + "/issues", Map.of("title", "bug")).then()
                .statusCode(201);
        post(userToken(guest), "/api/v4/projects/" + project + "/labels", Map.of("name", "x", "color", "#000000"))
                .then().statusCode(403).body("message", equalTo("403 Forbidden"));
        post(userToken(reporter), "/api/v4/projects/" + project + "/labels", Map.of("name", "x", "color", "#000000"))
                .then().statusCode(201);
        given409(userToken(reporter), project);
    }

    private void given409(String token, long project) {
        post(token, "/api/v4/projects/" + project + "/labels", Map.of("name", "x", "color", "#000000"))
                .then().statusCode(409).body("message", equalTo("Label already exists"));
    }

    @Test
    void maintainersManageMembersButCannotMakeOwners() {
        long project = id(post(admin, "/api/v4/projects", Map.of("name", "team-" + suffix)));
        User maintainer = data.user(User.ACTIVE);
        User developer = data.user(User.ACTIVE);
        member("projects", project, maintainer.id, 40);
        member("projects", project, developer.id, 30);
        User newcomer = data.user(User.ACTIVE);

        post(userToken(developer), "/api/v4/projects/" + project + "/members",
                Map.of("user_id", newcomer.id, "access_level", 10)).then().statusCode(403);
        post(userToken(maintainer), "/api/v4/projects/" + project + "/members",
                Map.of("user_id", newcomer.id, "access_level", 50)).then().statusCode(403);
        post(userToken(maintainer), "/api/v4/projects/" + project + "/members",
                Map.of("user_id", newcomer.id, "access_level", 30)).then().statusCode(201)
                .body("access_level", equalTo(30));
        post(userToken(maintainer), "/api/v4/projects/" + project + "/members",
                Map.of("user_id", newcomer.id, "access_level", 30)).then().statusCode(409);
        post(userToken(maintainer), "/api/v4/projects/" + project + "/members",
                Map.of("user_id", newcomer.id, "access_level", 35)).then().statusCode(400);
    }

    @Test
    void aProjectCannotBeMoreVisibleThanItsGroup() {
        long group = id(post(admin, "/api/v4/groups", Map.of("name", "priv-" + suffix)));
        post(admin, "/api/v4/projects", Map.of("name", "leak", "namespace_id", group, "visibility", "public"))
                .then().statusCode(400)
                .body("error", equalTo("visibility public is not allowed: its group is private"));
    }

    @Test
    void creatingInAGroupNeedsDeveloperAccess() {
        long group = id(post(admin, "/api/v4/groups", Map.of("name", "dev-" + suffix)));
        User reporter = data.user(User.ACTIVE);
        member("groups", group, reporter.id, 20);
        post(userToken(reporter), "/api/v4/projects", Map.of("name", "x", "namespace_id", group))
                .then().statusCode(403);
        User stranger = data.user(User.ACTIVE);
        post(userToken(stranger), "/api/v4/projects", Map.of("name", "x", "namespace_id", group))
                .then().statusCode(404);
    }

    @Test
    void issuesAndNotesAreWrittenAndAudited() {
        long project = id(post(admin, "/api/v4/projects", Map.of("name", "tracker-" + suffix)));
        var issue = post(admin, "/api/v4/projects/" + project + "/issues", Map.of("title", "first"));
        issue.then().statusCode(201).body("iid", equalTo(1));
        post(admin, "/api/v4/projects/" + project + "/issues", Map.of("title", "second")).then()
                .body("iid", equalTo(2));
        post(admin, "/api/v4/projects/" + project + "/issues/1/notes", Map.of("body", "looking")).then()
                .statusCode(201).body("noteable_iid", equalTo(1));
        post(admin, "/api/v4/projects/" + project + "/issues/9/notes", Map.of("body", "x")).then().statusCode(404);
        post(admin, "/api/v4/projects/" + project + "/issues", Map.of("description", "no title")).then()
                .statusCode(400).body("error", equalTo("title is missing"));
        get(admin, "/api/v4/audit_events?entity_type=Issue&entity_id=" + ((Number) issue.path("id")).longValue())
                .then().statusCode(200).body("[0].event_name", equalTo("issue_created"));
    }

    @Test
    void listsArePaginatedTheGitLabWay() {
        for (int i = 0; i < 3; i++) {
            data.user(User.ACTIVE);
        }
        get(admin, "/api/v4/users?per_page=2&page=1").then().statusCode(200)
                .header("X-Page", "1").header("X-Per-Page", "2").header("X-Next-Page", "2")
                .header("X-Prev-Page", "")
                .header("Link", org.hamcrest.Matchers.containsString("rel=\"next\""))
                .header("X-Total", org.hamcrest.Matchers.notNullValue())
                .body("size()", equalTo(2));
        get(admin, "/api/v4/users?page=0").then().statusCode(400);
    }
}
