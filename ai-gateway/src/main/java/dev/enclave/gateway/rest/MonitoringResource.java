package dev.enclave.gateway.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/** GitLab's AI gateway probes; unauthenticated. Quarkus' own are at /q/health. */
@Path("/monitoring")
@Produces(MediaType.APPLICATION_JSON)
public class MonitoringResource {

    @GET
    @Path("/healthz")
    public Map<String, String> healthz() {
        return Map.of("status", "ok");
    }

    @GET
    @Path("/ready")
    public Map<String, String> ready() {
        return Map.of("status", "ok");
    }
}
