package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** token-service carries X-Request-ID like the other hops: the shared filter of ../support is found in its index. */
@QuarkusTest
class RequestIdTest {

    @Test
    void aCallersRequestIdComesBackAndAMissingOrUnsafeOneIsReplaced() {
        given().header("X-Request-ID", "req-token-1").get("/.well-known/openid-configuration")
                .then().statusCode(200).header("X-Request-ID", equalTo("req-token-1"));

        String made = given().get("/oauth/discovery/keys").then().statusCode(200).extract().header("X-Request-ID");
        String replaced = given().header("X-Request-ID", "bad id\twith spaces").get("/oauth/discovery/keys")
                .then().statusCode(200).extract().header("X-Request-ID");

        assertThat(made).matches("[0-9a-f-]{36}");
        assertThat(replaced).matches("[0-9a-f-]{36}").isNotEqualTo(made);
    }
}
