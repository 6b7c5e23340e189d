package dev.enclave.instance;

import io.restassured.http.ContentType;
import io.restassured.response.Response;

import java.util.Map;

import static io.restassured.RestAssured.given;

/** Small helpers for calling the API as a given token in tests. */
final class Api {

    private Api() {
    }

    static Response post(String token, String path, Map<String, ?> body) {
        return given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON).body(body).post(path);
    }

    static Response get(String token, String path) {
        return given().header("PRIVATE-TOKEN", token).get(path);
    }

    static long id(Response response) {
        response.then().statusCode(201);
        return ((Number) response.path("id")).longValue();
    }
}
