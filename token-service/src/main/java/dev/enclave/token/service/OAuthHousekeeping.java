package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.domain.AccessTokenRevocation;
import dev.enclave.token.domain.CompositeTokenEvent;
import dev.enclave.token.domain.IssuedAccessToken;
import dev.enclave.token.domain.OAuthGrant;
import dev.enclave.token.domain.OAuthRefreshToken;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;

/** Deletes OAuth rows nothing can need any more, so that the tables stay the size of what is live. */
@ApplicationScoped
public class OAuthHousekeeping {

    private static final Logger LOG = Logger.getLogger(OAuthHousekeeping.class);

    private final TokenServiceConfig config;
    private final Clock clock;

    public OAuthHousekeeping(TokenServiceConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** Every replica runs it; the deletes are idempotent, so overlapping runs do no harm. */
    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    public void purgeExpired() {
        Instant now = clock.instant();
        // A used code stays one refresh-token lifetime, so that a replay within it still revokes what it led to.
        long grants = OAuthGrant.deleteExpired(now, now.minus(config.oauth().refreshTokenLifetime()));
        long refreshTokens = OAuthRefreshToken.deleteExpired(now);
        long accessTokens = IssuedAccessToken.deleteExpired(now);
        long revocations = AccessTokenRevocation.deleteExpired(now);
        // Ids come from a counter, not from the table: deleting old events never makes an id reappear.
        long events = CompositeTokenEvent.deleteCreatedBefore(now.minus(config.oauth().compositeTokenEventsRetention()));
        LOG.debugf("Purged expired OAuth rows: %d grants, %d refresh tokens, %d issued access tokens, %d revocations, "
                + "%d composite token events", grants, refreshTokens, accessTokens, revocations, events);
    }
}
