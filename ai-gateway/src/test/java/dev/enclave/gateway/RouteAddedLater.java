package dev.enclave.gateway;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/**
 * A resource that says nothing about its callers and lives outside {@code /v1} and {@code /v2},
 * as a route added later might: part of the test application only, so that
 * {@link DenyByDefaultTest} shows the policy covers routes nobody listed.
 */
@Path("/admin/route-added-later")
public class RouteAddedLater {

    @GET
    public String open() {
        return "anyone can read this";
    }
}
