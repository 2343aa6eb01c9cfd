package io.audiopipeline.common.delivery;

import static org.awaitility.Awaitility.await;

import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.testing.TestServers;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

class OutboxRelayIT {
    /**
     * PostgreSQL keeps each notification until every session listening has read it, and a session blocked
     * in a query reads none; when its queue is full, NOTIFY fails, and with it every state change that
     * writes a result event. A relay waiting for the lead is blocked on the advisory lock for as long as the
     * leader lives: it must not be listening meanwhile.
     */
    @Test
    void aRelayWaitingForTheLeadDoesNotHoldBackTheNotificationQueue() throws Exception {
        try (Database db = TestServers.freshDatabase(); UnifiedJedis redis = TestServers.redis()) {
            TestServers.flushRedis(redis);
            DeliveryConfig config = DeliveryConfig.from(new Env(TestServers.env()));
            try (OutboxRelay leader = relay(config, db, redis, "relay-a"); OutboxRelay waiting = relay(config, db, redis, "relay-b")) {
                leader.start();
                waiting.start();
                // one holds the lead, the other waits for it in the database
                await().atMost(Duration.ofSeconds(20)).until(() -> advisoryLocks(db, true) == 1 && advisoryLocks(db, false) == 1);

                // 20,000 notifications fill about 150 of the queue's pages (of about a million); what every listener
                // has read is freed as further notifications pass the queue's page boundaries, so fewer than 20
                // pages stay in use. A listener that never reads keeps them all, and more with each notification.
                notify(db, 20_000);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    notify(db, 1_000);
                    return usage(db) < 20e-6;
                });
            }
        }
    }

    /**
     * The lead is the relay's own session. A relay that stops (or whose pass failed) ends that session, so
     * the lock goes with it; a session handed back to the pool would keep the lock for whoever borrows it
     * next, and every relay would wait for a lead nobody uses.
     */
    @Test
    void whenTheLeadingRelayStopsAWaitingOneLeadsAtOnce() throws Exception {
        try (Database db = TestServers.freshDatabase(); UnifiedJedis redis = TestServers.redis()) {
            TestServers.flushRedis(redis);
            DeliveryConfig config = DeliveryConfig.from(new Env(TestServers.env()));
            try (OutboxRelay waiting = relay(config, db, redis, "relay-b")) {
                try (OutboxRelay leader = relay(config, db, redis, "relay-a")) {
                    leader.start();
                    await().atMost(Duration.ofSeconds(20)).until(() -> advisoryLocks(db, true) == 1);
                    waiting.start();
                    await().atMost(Duration.ofSeconds(20)).until(() -> advisoryLocks(db, false) == 1);
                }
                // the leader is gone; the relay that waited holds the lead, nobody waits
                await().atMost(Duration.ofSeconds(10)).until(() -> advisoryLocks(db, true) == 1 && advisoryLocks(db, false) == 0);
            }
        }
    }

    private static OutboxRelay relay(DeliveryConfig config, Database db, UnifiedJedis redis, String workerId) {
        return new OutboxRelay(config, db, redis, new JobCodec().mapper(), new PrometheusRegistry(), workerId, Clock.systemUTC());
    }

    /** Distinct payloads in one transaction: PostgreSQL keeps every one. */
    private static void notify(Database db, int n) throws Exception {
        db.withHandle(h -> h.createQuery("SELECT count(pg_notify('" + Outbox.CHANNEL + "', g::text)) FROM generate_series(1, :n) g")
                .bind("n", n).mapTo(Long.class).one());
    }

    private static double usage(Database db) throws Exception {
        return db.withHandle(h -> h.createQuery("SELECT pg_notification_queue_usage()").mapTo(Double.class).one());
    }

    private static long advisoryLocks(Database db, boolean granted) throws Exception {
        // the relays' lock: the key 0x617564696f5f7031 ("audio_p1") in its two 32-bit halves
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = :granted "
                + "AND classid = x'61756469'::int::oid AND objid = x'6f5f7031'::int::oid "
                + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").bind("granted", granted)
                .mapTo(Long.class).one());
    }
}
