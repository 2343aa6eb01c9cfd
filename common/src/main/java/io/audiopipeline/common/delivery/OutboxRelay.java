package io.audiopipeline.common.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.queue.Backoff;
import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.queue.QueueKeys;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * Publishes outbox events, in order per batch, to RESULTS_QUEUE and/or WEBHOOK_URL; any number of workers
 * may run one. A batch's events are taken by one relay at a time (a PostgreSQL advisory lock on the batch,
 * held by the relay's session: a relay that dies lets go of it with its connection). An event is marked
 * sent to a destination only after that destination accepted it, so a relay that dies in between sends it
 * again: at least once, with the event id for de-duplication. A webhook that fails is retried with
 * exponential backoff and jitter, later events of its batch waiting behind it; after WEBHOOK_MAX_ATTEMPTS
 * the event goes to {@code queue:webhook:dead} (shown and retried by {@code pipeline dead}). The relay also
 * announces batches that stopped progressing ({@code batch.stuck}).
 */
public final class OutboxRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    /** Webhook deliveries given up, and re-armed by {@code pipeline dead retry webhook}. */
    public static final QueueKeys WEBHOOK = new QueueKeys("webhook");
    private static final int EVENTS_PER_PASS = 200;
    private static final long STUCK_CHECK_MILLIS = 30_000;

    private final DeliveryConfig config;
    private final Database db;
    private final UnifiedJedis redis;
    private final ObjectMapper json;
    private final String workerId;
    private final Clock clock;
    private final Backoff backoff;
    private final WebhookSignature signature;
    private final HttpClient http;
    private final Counter published;
    private volatile boolean running;
    private Thread thread;
    private long lastStuckCheck;

    public OutboxRelay(DeliveryConfig config, Database db, UnifiedJedis redis, ObjectMapper json, PrometheusRegistry registry, String workerId,
                       Clock clock) {
        this.config = config;
        this.db = db;
        this.redis = redis;
        this.json = json;
        this.workerId = workerId;
        this.clock = clock;
        this.backoff = new Backoff(config.webhookRetryBase(), config.webhookRetryMax(), new Random());
        this.signature = config.webhookUrl() == null ? null : new WebhookSignature(config.webhookSecret());
        this.http = HttpClient.newBuilder().connectTimeout(config.webhookTimeout()).build();
        this.published = Counter.builder().name("audio_pipeline_events_published_total")
                .help("Result events handed on, by destination (queue, webhook) and outcome (accepted, failed, dead)")
                .labelNames("destination", "outcome").register(registry);
        OutboxStats stats = new OutboxStats(db);
        GaugeWithCallback.builder().name("audio_pipeline_outbox_backlog_events").help("Result events not yet published")
                .callback(sample -> stats.read().ifPresent(s -> sample.call(s.backlog()))).register(registry);
        GaugeWithCallback.builder().name("audio_pipeline_outbox_oldest_unpublished_seconds")
                .help("Age of the oldest result event not yet published (0 when none)")
                .callback(sample -> stats.read().ifPresent(s -> sample.call(s.oldestSeconds()))).register(registry);
    }

    public synchronized void start() {
        running = true;
        thread = new Thread(this::loop, "outbox-relay");
        thread.setDaemon(true);
        thread.start();
        log.info("outbox relay publishing result events to {}{}", config.resultsQueue() == null ? "" : config.resultsQueue(),
                config.webhookUrl() == null ? "" : (config.resultsQueue() == null ? "" : " and ") + "webhook " + config.webhookUrl().getHost());
    }

    private void loop() {
        while (running) {
            try {
                int sent = runOnce();
                if (sent == 0) {
                    Thread.sleep(config.pollInterval().toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // the database or Redis is away: try again after a pause, nothing is lost (the outbox keeps the events)
                log.warn("outbox relay pass failed, trying again: {}", e.toString());
                try {
                    Thread.sleep(Math.max(1000, config.pollInterval().toMillis()));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One pass: re-armed dead deliveries, stuck batches, then every batch with events to publish. Returns how many were handed on. */
    public int runOnce() throws Exception {
        rearmRetried();
        if (clock.millis() - lastStuckCheck >= STUCK_CHECK_MILLIS) {
            lastStuckCheck = clock.millis();
            announceStuck();
        }
        List<String> batches = db.withHandle(h -> h.createQuery("SELECT batch_id FROM outbox WHERE published_at IS NULL "
                + "GROUP BY batch_id ORDER BY min(created_at) LIMIT 100").mapTo(String.class).list());
        int sent = 0;
        for (String batchId : batches) {
            sent += db.withHandle(h -> publishBatch(h, batchId));
        }
        return sent;
    }

    private int publishBatch(Handle h, String batchId) {
        long key = lockKey(batchId);
        if (!h.createQuery("SELECT pg_try_advisory_lock(:k)").bind("k", key).mapTo(Boolean.class).one()) {
            return 0; // another relay has this batch
        }
        try {
            List<OutboxEvent> events = h.createQuery("SELECT " + OutboxEvent.COLUMNS + " FROM outbox WHERE batch_id = :b AND published_at IS NULL "
                    + "ORDER BY seq LIMIT " + EVENTS_PER_PASS).bind("b", batchId).map(ConstructorMapper.of(OutboxEvent.class)).list();
            int sent = toQueue(h, events) + toWebhook(h, events);
            h.createUpdate("UPDATE outbox SET published_at = now() WHERE batch_id = :b AND published_at IS NULL "
                            + "AND (:noQueue OR queue_published_at IS NOT NULL) "
                            + "AND (:noWebhook OR webhook_delivered_at IS NOT NULL OR webhook_dead_at IS NOT NULL)")
                    .bind("b", batchId).bind("noQueue", config.resultsQueue() == null).bind("noWebhook", config.webhookUrl() == null).execute();
            return sent;
        } finally {
            h.createQuery("SELECT pg_advisory_unlock(:k)").bind("k", key).mapTo(Boolean.class).one();
        }
    }

    private int toQueue(Handle h, List<OutboxEvent> events) {
        if (config.resultsQueue() == null) {
            return 0;
        }
        int sent = 0;
        for (OutboxEvent e : events) {
            if (e.queuePublishedAt() == null) {
                redis.lpush(config.resultsQueue(), e.envelope(json));
                h.createUpdate("UPDATE outbox SET queue_published_at = now() WHERE event_id = :id").bind("id", e.eventId()).execute();
                published.labelValues("queue", "accepted").inc();
                sent++;
            }
        }
        return sent;
    }

    /** In order: stops at the first event that must wait (backoff) or failed now; a dead event lets the next ones go. */
    private int toWebhook(Handle h, List<OutboxEvent> events) {
        if (config.webhookUrl() == null) {
            return 0;
        }
        int sent = 0;
        for (OutboxEvent e : events) {
            if (e.webhookDeliveredAt() != null || e.webhookDeadAt() != null) {
                continue;
            }
            if (Thread.currentThread().isInterrupted() || e.webhookNextAt() != null && e.webhookNextAt().isAfter(clock.instant())) {
                break;
            }
            String body = e.envelope(json);
            String failure = post(e, body);
            if (Thread.currentThread().isInterrupted()) {
                break; // the relay is stopping: this attempt counts neither way, the event is sent again later
            }
            if (failure == null) {
                h.createUpdate("UPDATE outbox SET webhook_delivered_at = now(), webhook_error = NULL WHERE event_id = :id")
                        .bind("id", e.eventId()).execute();
                published.labelValues("webhook", "accepted").inc();
                sent++;
                continue;
            }
            int attempts = e.webhookAttempts() + 1;
            if (attempts >= config.webhookMaxAttempts()) {
                deadLetter(e, body, failure, attempts);
                h.createUpdate("UPDATE outbox SET webhook_attempts = :n, webhook_dead_at = now(), webhook_error = :err WHERE event_id = :id")
                        .bind("n", attempts).bind("err", failure).bind("id", e.eventId()).execute();
                published.labelValues("webhook", "dead").inc();
                log.error("webhook gave up on event {} ({} of batch {}) after {} attempts: {}; it is on {}", e.eventId(), e.type(), e.batchId(),
                        attempts, failure, WEBHOOK.dead());
                continue;
            }
            Instant next = clock.instant().plus(backoff.delayAfter(attempts));
            h.createUpdate("UPDATE outbox SET webhook_attempts = :n, webhook_next_at = :next, webhook_error = :err WHERE event_id = :id")
                    .bind("n", attempts).bind("next", next).bind("err", failure).bind("id", e.eventId()).execute();
            published.labelValues("webhook", "failed").inc();
            log.warn("webhook refused event {} of batch {} (attempt {} of {}): {}; retrying at {}", e.eventId(), e.batchId(), attempts,
                    config.webhookMaxAttempts(), failure, next);
            break;
        }
        return sent;
    }

    /** Null when the endpoint accepted the event (2xx), else why not. */
    private String post(OutboxEvent e, String body) {
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(config.webhookUrl()).timeout(config.webhookTimeout())
                .header("Content-Type", "application/json")
                .header(WebhookSignature.EVENT_ID_HEADER, e.eventId().toString())
                .header(WebhookSignature.EVENT_TYPE_HEADER, e.type())
                .header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .header(WebhookSignature.SIGNATURE_HEADER, signature.sign(timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            return response.statusCode() / 100 == 2 ? null : "HTTP " + response.statusCode();
        } catch (java.io.IOException ex) {
            return ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private void deadLetter(OutboxEvent e, String body, String failure, int attempts) {
        try {
            redis.lpush(WEBHOOK.dead(), json.writeValueAsString(new DeadLetter(WEBHOOK.name(), body,
                    "webhook " + config.webhookUrl().getHost() + ": " + failure, attempts, workerId, clock.instant())));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** {@code pipeline dead retry webhook} puts a dead event back on {@code queue:webhook}: it is delivered again from its outbox row. */
    private void rearmRetried() throws Exception {
        for (String raw : redis.lrange(WEBHOOK.main(), 0, 99)) {
            UUID id = eventId(raw);
            if (id != null) {
                int n = db.withHandle(h -> h.createUpdate("UPDATE outbox SET webhook_attempts = 0, webhook_next_at = NULL, webhook_dead_at = NULL, "
                        + "webhook_delivered_at = NULL, published_at = NULL WHERE event_id = :id").bind("id", id).execute());
                log.info("event {} re-armed for the webhook{}", id, n == 0 ? " (no such event in the outbox: dropped)" : "");
            } else {
                log.warn("dropped an entry of {} that is not a result event: {}", WEBHOOK.main(), raw.length() > 200 ? raw.substring(0, 200) : raw);
            }
            redis.lrem(WEBHOOK.main(), 1, raw);
        }
    }

    private UUID eventId(String raw) {
        try {
            JsonNode id = json.readTree(raw).path("id");
            return id.isTextual() ? UUID.fromString(id.asText()) : null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code batch.stuck} once per stall: for a batch with no progress for STUCK_AFTER and no such event since its last progress. */
    private void announceStuck() throws Exception {
        String stalled = "SELECT s.batch_id FROM stuck_batches s WHERE s.status <> 'failed' AND NOT EXISTS (SELECT 1 FROM outbox o "
                + "WHERE o.batch_id = s.batch_id AND o.type = 'batch.stuck' AND o.created_at > s.last_progress_at)";
        String after = config.stuckAfter().toSeconds() + " seconds";
        List<String> batches = db.inTransaction(h -> {
            h.execute("SELECT set_config('audio_pipeline.stuck_after', ?, true)", after);
            return h.createQuery(stalled).mapTo(String.class).list();
        });
        for (String batchId : batches) {
            db.inTransaction(h -> {
                Outbox.lockBatch(h, batchId);
                h.execute("SELECT set_config('audio_pipeline.stuck_after', ?, true)", after);
                List<Double> idle = h.createQuery("SELECT extract(epoch FROM s.idle_for)::float8 FROM stuck_batches s WHERE s.batch_id = :b "
                        + "AND s.status <> 'failed' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.batch_id = s.batch_id "
                        + "AND o.type = 'batch.stuck' AND o.created_at > s.last_progress_at)").bind("b", batchId).mapTo(Double.class).list();
                if (!idle.isEmpty()) {
                    ResultEvents.batchStuck(h, batchId, idle.get(0));
                    log.warn("batch {} has made no progress for {}s: batch.stuck announced", batchId, Math.round(idle.get(0)));
                }
                return null;
            });
        }
    }

    private static long lockKey(String batchId) {
        return ("outbox:" + batchId).hashCode() * 0x9E3779B97F4A7C15L;
    }

    @Override
    public synchronized void close() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(10_000);
        }
    }
}
