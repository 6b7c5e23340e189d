package dev.enclave.gateway.rest;

import dev.enclave.gateway.health.GatewayReadiness;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Map;

/**
 * GitLab's AI gateway probes; unauthenticated. Quarkus' own are at /q/health. Liveness is cheap
 * (the process answers); readiness is {@link GatewayReadiness}'s, 503 while not ready.
 */
@Path("/monitoring")
@Produces(MediaType.APPLICATION_JSON)
public class MonitoringResource {

    private final GatewayReadiness readiness;

    public MonitoringResource(GatewayReadiness readiness) {
        this.readiness = readiness;
    }

    @GET
    @Path("/healthz")
    public Map<String, String> healthz() {
        return Map.of("status", "ok");
    }

    @GET
    @Path("/ready")
    public Response ready() {
        return readiness.notReadyBecause()
                .map(reason -> Response.status(503).entity(Map.of("status", "unavailable", "reason", reason)))
                .orElseGet(() -> Response.ok(Map.of("status", "ok")))
                .type(MediaType.APPLICATION_JSON).build();
    }
}
