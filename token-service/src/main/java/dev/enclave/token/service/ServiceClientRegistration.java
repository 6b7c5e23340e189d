package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.domain.OAuthApplication;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.Map;

/**
 * Registers the service clients the deployment declares ({@code enclave.token.oauth.service-clients})
 * as confidential applications whose client id is their name, so that services get
 * {@code client_credentials} tokens without an admin step. Their secret and scopes follow the
 * configuration at every start.
 */
@ApplicationScoped
public class ServiceClientRegistration {

    private static final Logger LOG = Logger.getLogger(ServiceClientRegistration.class);
    /** Service clients never redirect a browser; RFC 8252's out-of-band marker says so. */
    static final String NO_REDIRECT = "urn:ietf:wg:oauth:2.0:oob";

    private final TokenServiceConfig config;
    private final Clock clock;

    public ServiceClientRegistration(TokenServiceConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    void onStart(@Observes StartupEvent event) {
        try {
            register();
        } catch (PersistenceException e) {
            // Replicas starting together on an empty database both insert the same client id: the one
            // that lost the race finds the row now and updates it.
            LOG.infof("A service client was registered concurrently (%s); registering again", e.getMessage());
            register();
        }
    }

    @Transactional
    void register() {
        for (Map.Entry<String, TokenServiceConfig.OAuth.ServiceClient> entry : config.oauth().serviceClients().entrySet()) {
            String clientId = entry.getKey();
            TokenServiceConfig.OAuth.ServiceClient declared = entry.getValue();
            String scopes = OAuthScopes.format(OAuthScopes.requireDeclarable(declared.scopes()));
            OAuthApplication application = OAuthApplication.findByUid(clientId).orElseGet(() -> {
                OAuthApplication created = new OAuthApplication();
                created.uid = clientId;
                created.createdAt = clock.instant();
                return created;
            });
            application.name = "service client " + clientId;
            application.redirectUri = NO_REDIRECT;
            application.scopes = scopes;
            application.confidential = true;
            application.secretDigest = OAuthSecrets.digest(declared.secret());
            application.persist();
            LOG.infof("Service client %s registered (scopes %s)", clientId, scopes);
        }
    }
}
