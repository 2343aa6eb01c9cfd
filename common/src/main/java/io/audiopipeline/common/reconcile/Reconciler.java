package io.audiopipeline.common.reconcile;

import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.batch.LegacyHandOff;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.storage.ObjectStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * Makes Redis, the fast path, agree with PostgreSQL, the record. Every worker runs one; one at a time
 * across the fleet leads (a PostgreSQL advisory lock held by its session, as the outbox relay's). The
 * leader checks Redis's epoch every second ({@link RedisEpoch}) and runs a {@link ReconcilePass} every
 * RECONCILE_INTERVAL, and soon after it sees that Redis lost data: once live workers have beaten their
 * heartbeats again, so that what they hold is not published twice. On a loss it also has the relay hand
 * on again the result events that Redis may have lost before a consumer took them.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    private static final long LEADER_LOCK = 0x617564696f5f7232L; // "audio_r2"
    private static final Duration EPOCH_CHECK = Duration.ofSeconds(1);
    private static final Duration LEAD_RETRY = Duration.ofSeconds(10);

    private final ReconcilerConfig config;
    private final Database db;
    private final RedisEpoch epoch;
    private final ReconcilePass pass;
    private final Repairs repairs;
    private final Duration settle;
    private final Clock clock;
    private volatile boolean running;
    private Thread thread;
    private volatile Connection session;
    private boolean leading;

    public Reconciler(ReconcilerConfig config, Database db, UnifiedJedis redis, ObjectStore store, PrometheusRegistry registry, String workerId,
                      Duration visibilityTimeout, Duration keyTtl, io.audiopipeline.common.batch.ArchiveRetention retention, Clock clock) {
        this.config = config;
        this.db = db;
        this.clock = clock;
        this.epoch = new RedisEpoch(redis);
        JobCodec codec = new JobCodec();
        EventLog events = new EventLog(db, workerId);
        BatchLedger ledger = BatchLedger.wire(db, redis, events, store, null, retention, keyTtl);
        JobPublisher publisher = new JobPublisher(redis, keyTtl);
        this.repairs = new Repairs(registry, events);
        this.pass = new ReconcilePass(db, redis, codec, ledger, new BatchTracker(redis),
                new LegacyHandOff(new BatchRepository(db), publisher, codec, ledger), publisher,
                new io.audiopipeline.common.batch.BatchRecovery(new BatchRepository(db), store, publisher, codec, events, clock), repairs, keyTtl, config.nodeLostAfter());
        // workers beat every third of the visibility timeout: after this, every live worker has written its heartbeat again
        this.settle = visibilityTimeout.dividedBy(3).plusSeconds(2);
    }

    public synchronized void start() {
        running = true;
        thread = new Thread(this::loop, "reconciler");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        Instant nextPass = Instant.EPOCH;
        boolean afterLoss = false;
        while (running) {
            try {
                if (session == null) {
                    session = db.dataSource().getConnection();
                }
                if (!leads(session)) {
                    sleep(LEAD_RETRY);
                    continue;
                }
                Instant now = clock.instant();
                Optional<RedisEpoch.Loss> loss = epoch.check(now.toEpochMilli());
                if (loss.isPresent()) {
                    onLoss(loss.get());
                    afterLoss = true;
                    nextPass = now.plus(settle);
                }
                if (!now.isBefore(nextPass)) {
                    long started = System.nanoTime();
                    try {
                        pass.run(afterLoss, now);
                        log.debug("reconciliation pass took {} ms", (System.nanoTime() - started) / 1_000_000);
                        // after a loss, once more as soon as work handed off just before it is past its grace
                        Duration next = afterLoss && ReconcilePass.GRACE.compareTo(config.interval()) < 0 ? ReconcilePass.GRACE : config.interval();
                        afterLoss = false;
                        nextPass = now.plus(next);
                    } catch (SQLException | RuntimeException | java.io.IOException e) {
                        // a server away for a moment: the lead and what was seen of Redis are kept, the pass comes again soon
                        log.warn("reconciliation pass failed, trying again in {} s: {}", LEAD_RETRY.toSeconds(), e.toString());
                        nextPass = now.plus(LEAD_RETRY);
                    }
                }
                sleep(EPOCH_CHECK.compareTo(config.interval()) < 0 ? EPOCH_CHECK : config.interval());
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                if (!running) {
                    break;
                }
                log.warn("reconciliation failed, trying again: {}", e.toString());
                endSession();
                epoch.reset();
                try {
                    sleep(LEAD_RETRY);
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        endSession();
    }

    /** Redis lost what it took in after a moment: the result events handed to it since then are handed on again. */
    private void onLoss(RedisEpoch.Loss loss) throws SQLException {
        int replayed = db.withHandle(h -> h.createUpdate("UPDATE outbox SET queue_published_at = NULL, published_at = NULL "
                + "WHERE queue_published_at >= :since").bind("since", Instant.ofEpochMilli(loss.sinceMillis()).minusSeconds(2)).execute());
        repairs.record("redis_loss", null, null, loss.what() + "; reconciling in " + settle.toSeconds() + " s, once live workers beat again; "
                + replayed + " result event(s) handed to Redis since then will be handed on again");
    }

    /**
     * Whether this session holds the lead: a worker that does not lead waits for it in the database (one statement,
     * no polling) and takes it when the session that held it ends.
     */
    private boolean leads(Connection c) throws SQLException {
        if (leading) {
            return true;
        }
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + LEADER_LOCK + ")");
        }
        leading = true;
        epoch.reset();
        log.info("this worker's reconciler now leads (every {}; at once when Redis loses data)", config.interval());
        return true;
    }

    private void endSession() {
        leading = false;
        if (session != null) {
            db.discard(session);
            session = null;
        }
    }

    private static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    @Override
    public synchronized void close() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            // a reconciler waiting for the lead is blocked in the database: cancelling the wait ends it
            Database.cancel(session);
            thread.join(10_000);
        }
    }
}
