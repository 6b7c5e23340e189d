package dev.enclave.token.service;

import dev.enclave.token.domain.CompositeTokenEvent;
import dev.enclave.token.domain.OAuthApplication;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The record of every composite-identity access token this service creates (one that carries a
 * {@code user:<id>} scope). GitLab writes {@code composite_oauth_token_created} when such a token
 * is created; instance-service does not see the exchanges and refreshes at {@code /oauth/token}
 * (in Kubernetes the Ingress routes them here), so it polls this feed and writes the audit events.
 * A refresh creates a new access token and is recorded too, as {@link Origin#REFRESH}.
 */
@ApplicationScoped
public class CompositeTokenFeed {

    private static final Logger LOG = Logger.getLogger(CompositeTokenFeed.class);

    /** How the access token came to be. */
    public enum Origin {
        /** An authorization code exchanged at {@code /oauth/token}. */
        EXCHANGE,
        /** Minted through the internal API, without a grant. */
        DIRECT,
        /** {@code grant_type=refresh_token}: a new access token of an existing family. */
        REFRESH;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Records the token if it is a composite one, in the transaction that issues it: no event
     * without its token, no token without its event. Call it last in that transaction, as it
     * holds the feed's id counter until the commit.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordIfComposite(OAuthApplication client, long resourceOwnerId, Set<String> scopes, String jti,
                                  Origin origin, Instant now) {
        Optional<String> userScope = OAuthScopes.userScope(scopes);
        if (userScope.isEmpty()) {
            return;
        }
        CompositeTokenEvent event = new CompositeTokenEvent();
        event.id = CompositeTokenEvent.nextId();
        event.createdAt = now;
        event.resourceOwnerId = resourceOwnerId;
        event.userId = OAuthScopes.userId(userScope.get()).orElseThrow();
        event.applicationUid = client.uid;
        event.scopes = OAuthScopes.format(scopes);
        event.origin = origin.wire();
        event.jti = jti;
        event.persist();
        LOG.debugf("Composite token event %d: %s token of resource owner %d for user %d, client %s", event.id,
                event.origin, resourceOwnerId, event.userId, client.uid);
    }

    /** Events with an id above {@code afterId}, oldest first, at most {@code limit}. */
    @Transactional
    public List<CompositeTokenEvent> after(long afterId, int limit) {
        return CompositeTokenEvent.listAfter(afterId, limit);
    }
}
