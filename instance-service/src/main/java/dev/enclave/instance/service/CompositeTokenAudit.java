package dev.enclave.instance.service;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.client.TokenServiceProxy;
import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.domain.CompositeTokenFeedCursor;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * GitLab records {@code composite_oauth_token_created} (author: the human user, target: the service
 * account) when a composite-identity token is created. token-service creates them, by exchange or
 * refresh at {@code /oauth/token} (which in Kubernetes does not pass through this service) or
 * directly for {@code POST /api/v4/service_accounts/:id/oauth_tokens}, and keeps a feed of them;
 * this polls the feed every {@code enclave.instance.composite-token-events.poll-interval} and
 * before every read of the audit log, and writes one audit event per feed event.
 * <p>
 * The cursor lives in the database: every replica polls, and recording a page locks the cursor
 * row and skips what another replica recorded meanwhile, so each event is audited once. The HTTP
 * call is made outside any transaction.
 */
@ApplicationScoped
public class CompositeTokenAudit {

    public static final String EVENT_NAME = "composite_oauth_token_created";

    private static final Logger LOG = Logger.getLogger(CompositeTokenAudit.class);

    /** One feed event, as token-service answers it. */
    record FeedEvent(long id, @JsonProperty("created_at") String createdAt,
                     @JsonProperty("resource_owner_id") long resourceOwnerId, @JsonProperty("user_id") long userId,
                     @JsonProperty("application_id") String applicationId, String scope, String origin, String jti) {
    }

    record FeedPage(List<FeedEvent> events) {
    }

    private final TokenServiceProxy tokenService;
    private final AuditLog audit;
    private final ObjectMapper json;
    private final Clock clock;
    private final InstanceConfig.CompositeTokenEvents config;
    /** One catch-up at a time per replica: the scheduled poll and the ones before audit reads. */
    private final ReentrantLock draining = new ReentrantLock();
    private volatile String failure;

    public CompositeTokenAudit(TokenServiceProxy tokenService, AuditLog audit, ObjectMapper json, Clock clock,
                               InstanceConfig config) {
        this.tokenService = tokenService;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.config = config.compositeTokenEvents();
    }

    @Scheduled(every = "${enclave.instance.composite-token-events.poll-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        try {
            catchUp();
        } catch (TokenServiceClient.TokenServiceException e) {
            // Logged by catchUp; the next poll tries again from the same cursor.
        }
    }

    /**
     * Audits every event the feed has beyond the cursor (at most {@code max-pages} pages per call).
     *
     * @return how many events were audited
     * @throws TokenServiceClient.TokenServiceException token-service could not be read; what was
     *                                                  recorded before stays recorded
     */
    public int catchUp() {
        draining.lock();
        try {
            int recorded = 0;
            for (int page = 0; page < config.maxPages(); page++) {
                long after = QuarkusTransaction.requiringNew().call(() -> CompositeTokenFeedCursor.read().lastEventId);
                List<FeedEvent> events = fetch(after);
                if (events.isEmpty()) {
                    break;
                }
                recorded += QuarkusTransaction.requiringNew().call(() -> record(events));
                if (events.size() < config.pageSize()) {
                    break;
                }
            }
            if (failure != null) {
                LOG.infof("Reading token-service's composite token feed works again");
                failure = null;
            }
            return recorded;
        } catch (TokenServiceClient.TokenServiceException e) {
            if (failure == null) {
                LOG.warnf("Cannot read token-service's composite token feed (%s); composite_oauth_token_created "
                        + "events wait until it can be read", e.getMessage());
            }
            failure = e.getMessage();
            throw e;
        } finally {
            draining.unlock();
        }
    }

    private List<FeedEvent> fetch(long after) {
        TokenServiceProxy.Answer answer = tokenService.internal("GET", "/internal/v1/composite-token-events?after="
                + after + "&limit=" + config.pageSize(), null, null);
        if (answer.status() != 200) {
            throw new TokenServiceClient.TokenServiceRefusedException("token-service answered " + answer.status()
                    + " to the composite token feed request");
        }
        try {
            FeedPage page = json.readValue(answer.body(), FeedPage.class);
            return page.events() == null ? List.of() : page.events();
        } catch (IOException e) {
            throw new TokenServiceClient.TokenServiceUnavailableException(
                    "token-service's composite token feed cannot be read");
        }
    }

    /** In one transaction, under the cursor's row lock: what another replica recorded first is skipped. */
    private int record(List<FeedEvent> events) {
        CompositeTokenFeedCursor cursor = CompositeTokenFeedCursor.lock();
        int recorded = 0;
        for (FeedEvent event : events) {
            if (event.id() <= cursor.lastEventId) {
                continue;
            }
            if (event.id() > cursor.lastEventId + 1) {
                // Feed ids are gapless: a gap means events were purged before this instance read them.
                LOG.warnf("Composite token feed events %d to %d were never audited (purged by token-service "
                        + "before this instance read them)", cursor.lastEventId + 1, event.id() - 1);
            }
            audit.record(EVENT_NAME, event.userId(), null, "User", event.resourceOwnerId(),
                    "origin=" + event.origin() + " application_id=" + event.applicationId() + " scopes="
                            + event.scope() + " jti=" + event.jti(), createdAt(event));
            cursor.lastEventId = event.id();
            recorded++;
        }
        cursor.updatedAt = clock.instant();
        return recorded;
    }

    private Instant createdAt(FeedEvent event) {
        try {
            return Instant.parse(event.createdAt());
        } catch (RuntimeException e) {
            // Not worth losing the event over: it is audited at the time it was read.
            LOG.warnf("Composite token feed event %d has no readable created_at (%s); audited with the time it "
                    + "was read", event.id(), event.createdAt());
            return clock.instant();
        }
    }
}
