package dev.enclave.instance.service;

import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.domain.AiUsageRecord;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Usage records of AI requests, written without a database write on the request path:
 * {@link #record} only queues the record (it never blocks); every {@code flush-interval} the queue
 * is written in batches of {@code batch-size}, each in its own transaction, and once more when the
 * service stops. A batch the database refused is kept and written first the next time, so a
 * database outage loses nothing until the queue ({@code buffer-size} records) is full; beyond that,
 * new records are dropped, counted and logged. Records older than {@code retention} are deleted
 * every {@code purge-interval}.
 */
@ApplicationScoped
public class UsageRecorder {

    private static final Logger LOG = Logger.getLogger(UsageRecorder.class);

    /** One request, as {@link AiUsageRecord} stores it. Tokens are null when the gateway did not say. */
    public record Entry(Instant at, long userId, String feature, String model, Long inputTokens, Long outputTokens,
                        long latencyMs, AiUsageRecord.Outcome outcome) {
    }

    /** The model of a feature sent to the cloud gateway, which chooses its own. */
    public static final String VENDORED = "vendored";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * Tokens in and out as the gateway reported them in a JSON code suggestion
     * ({@code model.tokens_consumption_metadata}); null where it did not.
     */
    public record Tokens(Long input, Long output) {
        public static final Tokens NONE = new Tokens(null, null);

        public static Tokens of(byte[] answer) {
            try {
                com.fasterxml.jackson.databind.JsonNode metadata = JSON.readTree(answer).path("model")
                        .path("tokens_consumption_metadata");
                return new Tokens(count(metadata.get("input_tokens")), count(metadata.get("output_tokens")));
            } catch (java.io.IOException | RuntimeException e) {
                return NONE;
            }
        }

        private static Long count(com.fasterxml.jackson.databind.JsonNode value) {
            return value != null && value.canConvertToLong() && value.asLong() >= 0 ? value.asLong() : null;
        }
    }

    private final InstanceConfig.Usage config;
    private final Clock clock;
    private final ArrayBlockingQueue<Entry> pending;
    private final AtomicLong dropped = new AtomicLong();
    private final ReentrantLock flushing = new ReentrantLock();
    /** A batch the database refused: written first by the next flush. Guarded by {@link #flushing}. */
    private List<Entry> unsaved = List.of();
    private volatile boolean failing;

    public UsageRecorder(InstanceConfig config, Clock clock) {
        this.config = config.usage();
        this.clock = clock;
        this.pending = new ArrayBlockingQueue<>(this.config.bufferSize());
    }

    /** Queues one record; never blocks, never touches the database. */
    public void record(Entry entry) {
        if (!config.enabled()) {
            return;
        }
        if (!pending.offer(entry)) {
            long lost = dropped.incrementAndGet();
            if (lost == 1 || lost % 1000 == 0) {
                LOG.warnf("AI usage records are arriving faster than the database takes them: %d dropped so far "
                        + "(enclave.instance.usage.buffer-size=%d)", lost, config.bufferSize());
            }
        }
    }

    /** A record of a request that began at {@code startNanos} (System.nanoTime) and ends now. */
    public void record(long startNanos, long userId, String feature, String model, Long inputTokens,
                       Long outputTokens, AiUsageRecord.Outcome outcome) {
        record(new Entry(clock.instant(), userId, feature, model, inputTokens, outputTokens,
                Duration.ofNanos(System.nanoTime() - startNanos).toMillis(), outcome));
    }

    /** Records dropped because the queue was full, since start. */
    public long dropped() {
        return dropped.get();
    }

    /** Records queued and not yet written. */
    public int pending() {
        return pending.size() + unsaved.size();
    }

    @Scheduled(every = "${enclave.instance.usage.flush-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledFlush() {
        flush();
    }

    void onStop(@Observes ShutdownEvent event) {
        int left = flush();
        if (left > 0) {
            LOG.warnf("%d AI usage records could not be written before the service stopped", left);
        }
    }

    /**
     * Writes what is queued, in batches.
     *
     * @return the records still not written (the database refused a batch)
     */
    public int flush() {
        flushing.lock();
        try {
            while (true) {
                List<Entry> batch = unsaved;
                if (batch.isEmpty()) {
                    List<Entry> next = new ArrayList<>(Math.min(config.batchSize(), pending.size()));
                    pending.drainTo(next, config.batchSize());
                    batch = next;
                }
                if (batch.isEmpty()) {
                    return 0;
                }
                List<Entry> writing = batch;
                try {
                    QuarkusTransaction.requiringNew().run(() -> {
                        // one round trip for the batch (the ids come from a sequence, 50 at a time)
                        Panache.getSession().setJdbcBatchSize(writing.size());
                        writing.forEach(UsageRecorder::persist);
                    });
                } catch (RuntimeException e) {
                    unsaved = writing;
                    if (!failing) {
                        LOG.warnf("Cannot write AI usage records (%s); %d kept to write again", e.getMessage(),
                                pending());
                    }
                    failing = true;
                    return pending();
                }
                unsaved = List.of();
                if (failing) {
                    LOG.infof("Writing AI usage records works again");
                    failing = false;
                }
            }
        } finally {
            flushing.unlock();
        }
    }

    private static void persist(Entry entry) {
        AiUsageRecord row = new AiUsageRecord();
        row.createdAt = entry.at();
        row.userId = entry.userId();
        row.feature = entry.feature();
        row.model = entry.model();
        row.inputTokens = entry.inputTokens();
        row.outputTokens = entry.outputTokens();
        row.latencyMs = entry.latencyMs();
        row.outcome = entry.outcome().wire();
        row.persist();
    }

    @Scheduled(every = "${enclave.instance.usage.purge-interval}", delayed = "${enclave.instance.usage.purge-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledPurge() {
        try {
            purge();
        } catch (RuntimeException e) {
            LOG.warnf("Cannot delete expired AI usage records (%s); the next purge tries again", e.getMessage());
        }
    }

    /** Deletes the records older than the retention; returns how many. */
    public long purge() {
        Instant before = clock.instant().minus(config.retention());
        long deleted = QuarkusTransaction.requiringNew().call(() -> AiUsageRecord.delete("createdAt < ?1", before));
        if (deleted > 0) {
            LOG.infof("Deleted %d AI usage records older than %s", deleted, config.retention());
        }
        return deleted;
    }
}
