package io.audiopipeline.common.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.queue.Backoff;
import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.queue.QueueKeys;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * Publishes outbox events, in order per batch, to RESULTS_QUEUE and/or WEBHOOK_URL. Any number of workers
 * run a relay; one of them publishes at a time: the one holding a PostgreSQL advisory lock on its listening
 * session (a relay that dies lets go of it with its connection, and another takes over within
 * RELAY_POLL_INTERVAL). It is woken by each committed event (LISTEN/NOTIFY) and takes what is there in one
 * transaction. An event is marked sent to a destination only after that destination accepted it, so a
 * relay that dies in between sends it again: at least once, with the event id for de-duplication. A
 * webhook refusal is retried with exponential backoff and jitter, later events of its batch waiting behind
 * it; after WEBHOOK_MAX_ATTEMPTS the event goes to {@code queue:webhook:dead} ({@code pipeline dead}), and
 * the batch's next events go on.
 */
public final class OutboxRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    /** Webhook deliveries given up, and re-armed by {@code pipeline dead retry webhook}. */
    public static final QueueKeys WEBHOOK = new QueueKeys("webhook");
    private static final long LEADER_LOCK = 0x617564696f5f7031L; // "audio_p1"
    private static final int EVENTS_PER_PASS = 500;
    private static final long STUCK_CHECK_MILLIS = 30_000;
    /**
     * Passes start at most this often: while events keep coming, the relay passes every this many
     * milliseconds and takes what committed meanwhile in one transaction (a busy pipeline costs the database
     * a few passes a second, not one per event); an event after a quiet spell wakes it and goes at once.
     */
    private static final long MIN_PASS_INTERVAL_MILLIS = 250;

    private final DeliveryConfig config;
    private final Database db;
    private final UnifiedJedis redis;
    private final ObjectMapper json;
    private final String workerId;
    private final Clock clock;
    private final Backoff backoff;
    private final WebhookSender webhook;
    private final StuckBatches stuck;
    private final Counter published;
    private volatile boolean running;
    private volatile Connection session;
    private Thread thread;
    private long lastHousekeeping;
    private long lastPass;
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
        this.webhook = config.webhookUrl() == null ? null : new WebhookSender(config, clock);
        this.stuck = new StuckBatches(db, config.stuckAfter());
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
        log.info("outbox relay for result events: {}{}", config.resultsQueue() == null ? "" : config.resultsQueue(),
                webhook == null ? "" : (config.resultsQueue() == null ? "" : " and ") + "webhook " + webhook.host());
    }

    private void loop() {
        boolean leading = false;
        while (running) {
            try {
                if (session == null) {
                    session = db.dataSource().getConnection();
                    leading = false;
                }
                if (!leading) {
                    // blocks until the relay that leads is gone (its session ended); no polling meanwhile. Only the
                    // leader listens: a session blocked here would never read its notifications, and PostgreSQL
                    // keeps every notification until all listeners have read it (a full queue fails NOTIFY)
                    takeLead(session);
                    listen(session);
                    leading = true;
                    log.info("this worker's relay now publishes the result events");
                }
                int sent = runOnce();
                if (sent == 0) {
                    // idle: wait for a commit's notification (those of commits during the pass return at once), or poll
                    session.unwrap(PGConnection.class).getNotifications((int) config.pollInterval().toMillis());
                }
                if (sent < EVENTS_PER_PASS) {
                    // busy (the last pass sent something, so events may be committing without a notification, see
                    // Outbox#append): the next pass comes MIN_PASS_INTERVAL after this one, taking what arrived meanwhile
                    long sinceLastPass = clock.millis() - lastPass;
                    if (sinceLastPass < MIN_PASS_INTERVAL_MILLIS) {
                        Thread.sleep(MIN_PASS_INTERVAL_MILLIS - sinceLastPass);
                    }
                }
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                if (!running) {
                    break;
                }
                // the database or Redis is away: try again after a pause; the outbox keeps every event
                log.warn("outbox relay pass failed, trying again: {}", e.toString());
                session = endSession(session);
                try {
                    Thread.sleep(Math.max(1000, config.pollInterval().toMillis()));
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        session = endSession(session);
    }

    private static void listen(Connection session) throws SQLException {
        try (Statement st = session.createStatement()) {
            st.execute("LISTEN " + Outbox.CHANNEL);
        }
    }

    private static void takeLead(Connection session) throws SQLException {
        try (Statement st = session.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + LEADER_LOCK + ")");
        }
    }

    /**
     * Ends the relay's session itself, never handing it back to the pool: the session holds the lead (a
     * session-level advisory lock) and the LISTEN, which a pooled connection would keep for whoever borrows
     * it next, leaving every relay waiting for a lead nobody uses.
     */
    private Connection endSession(Connection c) {
        if (c != null) {
            db.discard(c);
        }
        return null;
    }

    /**
     * One pass over the events not yet published, oldest batches first: re-armed dead deliveries and stuck
     * batches now and then, then one transaction for the events. Returns how many were handed on. Called by
     * the relay that leads (or by a test that is the only relay).
     */
    public int runOnce() throws Exception {
        lastPass = clock.millis();
        if (clock.millis() - lastHousekeeping >= config.pollInterval().toMillis()) {
            lastHousekeeping = clock.millis();
            rearmRetried();
        }
        if (clock.millis() - lastStuckCheck >= STUCK_CHECK_MILLIS) {
            lastStuckCheck = clock.millis();
            stuck.announce();
        }
        return db.inTransaction(h -> {
            List<OutboxEvent> events = h.createQuery("SELECT " + OutboxEvent.COLUMNS + " FROM outbox WHERE published_at IS NULL "
                    + "ORDER BY batch_id, seq LIMIT " + EVENTS_PER_PASS).map(ConstructorMapper.of(OutboxEvent.class)).list();
            if (events.isEmpty()) {
                return 0;
            }
            int sent = toQueue(h, events) + toWebhook(h, events);
            h.createUpdate("UPDATE outbox SET published_at = now() WHERE event_id = ANY(:ids) "
                            + "AND (:noQueue OR queue_published_at IS NOT NULL) "
                            + "AND (:noWebhook OR webhook_delivered_at IS NOT NULL OR webhook_dead_at IS NOT NULL)")
                    .bindArray("ids", UUID.class, events.stream().map(OutboxEvent::eventId).toList())
                    .bind("noQueue", config.resultsQueue() == null).bind("noWebhook", webhook == null).execute();
            return sent;
        });
    }

    /** Every pending event of the pass in one LPUSH, in order (a consumer taking from the tail gets each batch's events in order). */
    private int toQueue(Handle h, List<OutboxEvent> events) {
        if (config.resultsQueue() == null) {
            return 0;
        }
        List<OutboxEvent> pending = events.stream().filter(e -> e.queuePublishedAt() == null).toList();
        if (pending.isEmpty()) {
            return 0;
        }
        redis.lpush(config.resultsQueue(), pending.stream().map(e -> e.envelope(json)).toArray(String[]::new));
        h.createUpdate("UPDATE outbox SET queue_published_at = now() WHERE event_id = ANY(:ids)")
                .bindArray("ids", UUID.class, pending.stream().map(OutboxEvent::eventId).toList()).execute();
        published.labelValues("queue", "accepted").inc(pending.size());
        return pending.size();
    }

    /** In order per batch: a batch stops at its first event that must wait (backoff) or was refused now; a dead event lets the next go. */
    private int toWebhook(Handle h, List<OutboxEvent> events) {
        if (webhook == null) {
            return 0;
        }
        Set<String> waiting = new HashSet<>();
        int sent = 0;
        for (OutboxEvent e : events) {
            if (e.webhookDeliveredAt() != null || e.webhookDeadAt() != null || waiting.contains(e.batchId())) {
                continue;
            }
            if (e.webhookNextAt() != null && e.webhookNextAt().isAfter(clock.instant())) {
                waiting.add(e.batchId());
                continue;
            }
            String body = e.envelope(json);
            String failure;
            try {
                failure = webhook.post(e, body);
            } catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
                break; // this attempt counts neither way: the event is sent again later
            }
            if (failure == null) {
                h.createUpdate("UPDATE outbox SET webhook_delivered_at = now(), webhook_error = NULL WHERE event_id = :id")
                        .bind("id", e.eventId()).execute();
                published.labelValues("webhook", "accepted").inc();
                sent++;
            } else if (!refused(h, e, body, failure)) {
                waiting.add(e.batchId());
            }
        }
        return sent;
    }

    /** Records a refusal; returns true when the event went to the dead-letter list (so its batch goes on). */
    private boolean refused(Handle h, OutboxEvent e, String body, String failure) {
        int attempts = e.webhookAttempts() + 1;
        if (attempts >= config.webhookMaxAttempts()) {
            deadLetter(body, failure, attempts);
            h.createUpdate("UPDATE outbox SET webhook_attempts = :n, webhook_dead_at = now(), webhook_error = :err WHERE event_id = :id")
                    .bind("n", attempts).bind("err", failure).bind("id", e.eventId()).execute();
            published.labelValues("webhook", "dead").inc();
            log.error("webhook gave up on event {} ({} of batch {}) after {} attempts: {}; it is on {}", e.eventId(), e.type(), e.batchId(),
                    attempts, failure, WEBHOOK.dead());
            return true;
        }
        Instant next = clock.instant().plus(backoff.delayAfter(attempts));
        h.createUpdate("UPDATE outbox SET webhook_attempts = :n, webhook_next_at = :next, webhook_error = :err WHERE event_id = :id")
                .bind("n", attempts).bind("next", next).bind("err", failure).bind("id", e.eventId()).execute();
        published.labelValues("webhook", "failed").inc();
        log.warn("webhook refused event {} of batch {} (attempt {} of {}): {}; retrying at {}", e.eventId(), e.batchId(), attempts,
                config.webhookMaxAttempts(), failure, next);
        return false;
    }

    private void deadLetter(String body, String failure, int attempts) {
        try {
            redis.lpush(WEBHOOK.dead(), json.writeValueAsString(DeadLetter.of(WEBHOOK.name(), body, "webhook " + webhook.host() + ": " + failure,
                    attempts, workerId, clock.instant())));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** {@code pipeline dead retry webhook} puts a dead event back on {@code queue:webhook}: it is delivered again from its outbox row. */
    private void rearmRetried() throws SQLException {
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
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public synchronized void close() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            // a relay waiting for the lead is blocked in the database: ending its session ends the wait
            Database.cancel(session);
            thread.join(10_000);
        }
    }
}
