package dev.enclave.token.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

@ConfigMapping(prefix = "enclave.token")
public interface TokenServiceConfig {

    /** Public base URL of the suite; the {@code iss} of every token this service signs. */
    String issuer();

    /** {@code gitlab_realm} claim of self-issued AI tokens: {@code self-managed} or {@code saas}. */
    String realm();

    Duration aiTokenLifetime();

    /** Lifetime of user-bound AI tokens (direct access: the editor holds them, so shorter). */
    Duration userAiTokenLifetime();

    /** Unit primitives the instance may ask for in a self-issued AI token. */
    @WithName("ai-token-scopes")
    Set<String> aiTokenScopes();

    InstanceClient instanceClient();

    Keys keys();

    /** Base64 of 32 random bytes. Required unless {@link #generateMasterKey()} is on. */
    Optional<String> masterKey();

    Path masterKeyFile();

    /** Local and dev runs only: create {@link #masterKeyFile()} when no master key is configured. */
    boolean generateMasterKey();

    interface Keys {
        /** A signing key older than this is replaced by a new one. */
        Duration rotationInterval();

        /**
         * How often each replica re-reads the active key (picking up a rotation made elsewhere),
         * rotates when due and purges keys no token can need any more.
         */
        Duration checkInterval();
    }

    interface InstanceClient {
        String id();

        String secret();
    }
}
