package dev.enclave.instance;

import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/**
 * {@code GET /api/v4/metadata} in GitLab's shape (what the API clients' {@code Metadata.show()} and
 * the editor extensions read first), {@code /version} its mirror, and the revision the build's git
 * commit, not a constant.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class MetadataTest {

    @Inject
    TestData data;

    private String token(String scope) {
        return data.token(data.user(User.ACTIVE), Set.of(scope), LocalDate.now().plusDays(1));
    }

    @Test
    void metadataAnswersGitLabsShape() {
        given().header("PRIVATE-TOKEN", token("read_user")).get("/api/v4/metadata").then().statusCode(200)
                .body("version", equalTo("0.1.0"))
                .body("revision", equalTo(expectedRevision()))
                .body("kas.enabled", equalTo(false))
                .body("kas.externalUrl", nullValue())
                .body("kas.externalK8sProxyUrl", nullValue())
                .body("kas.version", nullValue())
                .body("enterprise", equalTo(true));
    }

    @Test
    void versionMirrorsMetadata() {
        String token = token("api");
        Map<String, Object> metadata = given().header("PRIVATE-TOKEN", token).get("/api/v4/metadata").then()
                .statusCode(200).extract().as(Map.class);
        Map<String, Object> version = given().header("PRIVATE-TOKEN", token).get("/api/v4/version").then()
                .statusCode(200).extract().as(Map.class);
        assertThat(version).isEqualTo(metadata).containsKeys("version", "revision", "kas", "enterprise");
    }

    @Test
    void theScopesOfVersionOpenMetadata() {
        for (String scope : new String[] {"api", "read_api", "read_user", "ai_features"}) {
            given().header("Authorization", "Bearer " + token(scope)).get("/api/v4/metadata").then().statusCode(200);
        }
        given().get("/api/v4/metadata").then().statusCode(401)
                .header("X-GitLab-Error-Origin", "monolith").body("message", equalTo("401 Unauthorized"));
    }

    @Test
    void theRevisionIsTheBuildsGitCommitInGitLabsShortForm() {
        Response answer = given().header("PRIVATE-TOKEN", token("read_api")).get("/api/v4/version");
        String revision = answer.then().statusCode(200).extract().path("revision");
        assertThat(revision).isNotEqualTo("enclave").isEqualTo(expectedRevision());
        if (!revision.equals("unknown")) {
            assertThat(revision).matches("[0-9a-f]{11}");
        }
    }

    /** What the build asked git (the tests run in the module's directory): "unknown" outside a checkout. */
    static String expectedRevision() {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short=11", "HEAD").directory(Path.of(".").toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return git.waitFor(10, TimeUnit.SECONDS) && git.exitValue() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
