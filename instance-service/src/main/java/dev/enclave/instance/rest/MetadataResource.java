package dev.enclave.instance.rest;

import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.security.RequiredScopes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/**
 * {@code GET /api/v4/metadata}, what GitLab's API clients and the editor extensions ask first:
 * {@code {version, revision, kas: {enabled, externalUrl, externalK8sProxyUrl, version}, enterprise}}.
 * Same scopes as {@code /version}.
 */
@Path("/api/v4/metadata")
@Produces(MediaType.APPLICATION_JSON)
public class MetadataResource {

    private final InstanceConfig config;

    public MetadataResource(InstanceConfig config) {
        this.config = config;
    }

    @GET
    @RequiredScopes({"api", "read_api", "read_user", "ai_features"})
    public Map<String, Object> metadata() {
        return VersionResource.metadata(config);
    }
}
