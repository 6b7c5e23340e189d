package dev.enclave.instance.service;

import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.domain.User;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.MDC;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** The headers every call to an AI gateway carries, as GitLab sends them. */
@ApplicationScoped
public class GatewayHeaders {

    private final InstanceIdentityService identity;
    private final InstanceConfig config;
    private final AiSettingsService settings;

    public GatewayHeaders(InstanceIdentityService identity, InstanceConfig config, AiSettingsService settings) {
        this.identity = identity;
        this.config = config;
        this.settings = settings;
    }

    /** @param user null for calls the instance makes on its own behalf (the connection check) */
    public Map<String, String> forCall(User user, TokenServiceClient.AiToken token) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + token.token());
        headers.putAll(identityHeaders(user));
        headers.put("X-Gitlab-Version", config.version());
        headers.put("x-gitlab-enabled-instance-verbose-ai-logs", String.valueOf(settings.current().verboseAiLogs()));
        Object requestId = MDC.get("requestId");
        if (requestId != null) {
            headers.put("X-Request-ID", requestId.toString());
        }
        return headers;
    }

    /** What an editor must send with a direct-access token. */
    public Map<String, String> identityHeaders(User user) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Gitlab-Authentication-Type", "oidc");
        headers.put("X-Gitlab-Instance-Id", identity.instanceId());
        headers.put("X-Gitlab-Realm", "self-managed");
        if (user != null) {
            headers.put("X-Gitlab-Global-User-Id", globalUserId(user));
        }
        headers.put("X-Gitlab-Host-Name", config.hostName());
        return headers;
    }

    /** A stable pseudonymous id for the user, as GitLab's global anonymous id: not the database id. */
    public String globalUserId(User user) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((identity.instanceId() + ":" + user.id).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
