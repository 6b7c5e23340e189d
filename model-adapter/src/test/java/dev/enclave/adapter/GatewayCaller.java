package dev.enclave.adapter;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/** Requests as ai-gateway sends them: from loopback (a trusted network in tests), with a valid access token. */
final class GatewayCaller {

    private GatewayCaller() {
    }

    static RequestSpecification given() {
        return RestAssured.given().header("Authorization", "Bearer " + TestTokens.valid());
    }
}
