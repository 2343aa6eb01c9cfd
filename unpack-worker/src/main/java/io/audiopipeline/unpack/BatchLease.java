package io.audiopipeline.unpack;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * One owner per batch id at a time: {@code batch:{<id>}:unpack_lease} holds the owner's token for a
 * visibility timeout and is renewed while the owner works, so two deliveries of one batch (a duplicate,
 * or two archives claiming one id) never share its scratch dir. A dead owner stops renewing; its lease
 * expires with its heartbeat, and the redelivered job takes the batch over.
 */
final class BatchLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchLease.class);
    private static final String RENEW = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0
            """;
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    /** Takes leases for one worker: its Redis, how long a lease lasts unrenewed, and the renewal thread. */
    static final class Leases {
        private final UnifiedJedis redis;
        private final Duration ttl;
        private final ScheduledExecutorService renewals;
        private final String owner;

        Leases(UnifiedJedis redis, Duration ttl, ScheduledExecutorService renewals, String owner) {
            this.redis = redis;
            this.ttl = ttl;
            this.renewals = renewals;
            this.owner = owner;
        }

        /** The lease of {@code batchId}, or the token of the worker that holds it now. */
        BatchLease acquire(String batchId) throws BatchBusyException {
            String key = key(batchId);
            String token = owner + "/" + UUID.randomUUID();
            if (!"OK".equals(redis.set(key, token, SetParams.setParams().nx().px(ttl.toMillis())))) {
                String holder = redis.get(key);
                throw new BatchBusyException("batch " + batchId + " is being unpacked by " + (holder == null ? "another delivery" : holder)
                        + "; this delivery waits for it");
            }
            BatchLease lease = new BatchLease(this, key, token);
            // renewed at a third of its life: a missed renewal or two (a GC pause, a Redis blip) does not lose it
            long every = Math.max(100, ttl.toMillis() / 3);
            lease.renewal = renewals.scheduleWithFixedDelay(lease::renew, every, every, TimeUnit.MILLISECONDS);
            return lease;
        }

        static String key(String batchId) {
            return "batch:{" + batchId + "}:unpack_lease";
        }
    }

    private final Leases leases;
    private final String key;
    private final String token;
    private volatile boolean lost;
    private ScheduledFuture<?> renewal;

    private BatchLease(Leases leases, String key, String token) {
        this.leases = leases;
        this.key = key;
        this.token = token;
    }

    private void renew() {
        try {
            Object renewed = leases.redis.eval(RENEW, List.of(key), List.of(token, Long.toString(leases.ttl.toMillis())));
            if (!Long.valueOf(1).equals(renewed) && !lost) {
                lost = true;
                log.error("lease {} was lost (expired before it was renewed): this delivery stops before its hand-off", key);
            }
        } catch (Exception e) {
            log.warn("renewing lease {} failed ({}); retrying at the next renewal", key, e.toString());
        }
    }

    /** Throws when the lease expired under this owner (another delivery may have taken the batch over). */
    void check() throws BatchBusyException {
        if (lost) {
            throw new BatchBusyException("the lease on " + key + " was lost while this delivery worked; another delivery owns the batch");
        }
    }

    @Override
    public void close() {
        renewal.cancel(false);
        try {
            leases.redis.eval(RELEASE, List.of(key), List.of(token));
        } catch (Exception e) {
            log.warn("releasing lease {} failed ({}); it expires by itself", key, e.toString());
        }
    }

    /** Another delivery owns the batch now: retryable, it is free again once that one ends or dies. */
    static final class BatchBusyException extends Exception {
        BatchBusyException(String message) {
            super(message);
        }
    }
}
