package dev.enclave.token.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /**
     * Master keys of before a rotation (base64, newest first): signing keys stored under them are
     * still read, and re-encrypted under {@link #masterKey()} at start-up.
     */
    Optional<List<String>> previousMasterKeys();

    Path masterKeyFile();

    /** Local and dev runs only: create {@link #masterKeyFile()} when no master key is configured. */
    boolean generateMasterKey();

    OAuth oauth();

    interface Keys {
        /** A signing key older than this is replaced by a new one. */
        Duration rotationInterval();

        /**
         * How often each replica re-reads the active key (picking up a rotation made elsewhere),
         * rotates when due and purges keys no token can need any more.
         */
        Duration checkInterval();

        /**
         * How long a rotated-in key is published before it signs: longer than the JWKS
         * {@code max-age} (300 s), so that every verifier's cached key set holds it by then.
         */
        @WithDefault("PT6M")
        Duration publishDelay();
    }

    interface InstanceClient {
        String id();

        String secret();
    }

    /** The OAuth 2.0 authorization server: {@code /oauth/token}, revocation, introspection. */
    interface OAuth {

        /** {@code exp} − {@code iat} of OAuth access tokens (GitLab: two hours). */
        Duration accessTokenLifetime();

        /** Each refresh token lives this long from its issue; rotation issues a new one on every use. */
        Duration refreshTokenLifetime();

        Duration authorizationCodeLifetime();

        /**
         * How long the feed of composite token creations keeps an event for the instance to
         * fetch; the instance polls every few seconds, so this only bounds an outage it rides out.
         */
        @WithDefault("P30D")
        Duration compositeTokenEventsRetention();

        /** What a {@code client_credentials} token may be for ({@code audience} or RFC 8707 {@code resource}). */
        Set<String> clientCredentialsAudiences();

        /**
         * The suite's own services: only the service clients declared in {@link #serviceClients()}
         * get tokens for them, never an application created through the API.
         */
        @WithDefault("model-adapter,token-service")
        Set<String> internalAudiences();

        /** Throttling of failed client authentication at {@code /oauth/token}, {@code /revoke}, {@code /introspect}. */
        AuthThrottle authThrottle();

        interface AuthThrottle {
            /** Failures per client id, and per caller address, within {@link #window()} before 429. */
            @WithDefault("10")
            int maxFailures();

            @WithDefault("PT1M")
            Duration window();
        }

        /** A resource server besides the instance that may introspect tokens and poll revocations. */
        VerifierClient verifierClient();

        /**
         * Service-to-service clients declared by the deployment (e.g. {@code ai-gateway}, which
         * gets {@code client_credentials} tokens for model-adapter), by client id.
         */
        Map<String, ServiceClient> serviceClients();

        interface ServiceClient {
            String secret();

            /** Scopes its tokens may carry. */
            @WithDefault("read_api")
            String scopes();
        }

        interface VerifierClient {
            String id();

            /** Unset: only the instance's own client may introspect and poll. */
            Optional<String> secret();
        }
    }
}
