package dev.enclave.instance.rest;

import dev.enclave.instance.config.BuildInfo;
import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.security.RequiredScopes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/v4/version}, since GitLab 15.5 a mirror of {@code GET /api/v4/metadata}
 * ({@link MetadataResource}): the instance's version, the git commit it was built from (GitLab's
 * short form, from the build: {@link BuildInfo}), the agent server for Kubernetes (KAS, which
 * Enclave does not have: disabled) and {@code enterprise: true} (the Duo Enterprise features Enclave
 * implements are Enterprise Edition's). Any token that may read the user opens it, as on GitLab.
 */
@Path("/api/v4/version")
@Produces(MediaType.APPLICATION_JSON)
public class VersionResource {

    private final InstanceConfig config;

    public VersionResource(InstanceConfig config) {
        this.config = config;
    }

    @GET
    @RequiredScopes({"api", "read_api", "read_user", "ai_features"})
    public Map<String, Object> version() {
        return metadata(config);
    }

    /** GitLab's {@code API::Entities::Metadata}. */
    static Map<String, Object> metadata(InstanceConfig config) {
        Map<String, Object> kas = new LinkedHashMap<>();
        kas.put("enabled", false);
        kas.put("externalUrl", null);
        kas.put("externalK8sProxyUrl", null);
        kas.put("version", null);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("version", config.version());
        metadata.put("revision", BuildInfo.revision());
        metadata.put("kas", kas);
        metadata.put("enterprise", true);
        return metadata;
    }
}
