package dev.enclave.instance.rest;

import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.security.RequiredScopes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

@Path("/api/v4/version")
@Produces(MediaType.APPLICATION_JSON)
public class VersionResource {

    private final InstanceConfig config;

    public VersionResource(InstanceConfig config) {
        this.config = config;
    }

    @GET
    @RequiredScopes({"api", "read_api", "read_user", "ai_features"})
    public Map<String, String> version() {
        return Map.of("version", config.version(), "revision", "enclave");
    }
}
