package io.audiopipeline.common.queue;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * Announces a worker that feeds a queue without consuming it (a transfer worker feeds {@code unpack}),
 * so that {@code pipeline status} lists it: a heartbeat key that expires after {@code ttl}, refreshed
 * every third of it, and membership in the queue's producer set. Closing leaves at once; a worker that
 * dies simply stops being listed when its heartbeat expires, and the next producer to start drops it
 * from the set.
 */
public final class ProducerHeartbeat implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProducerHeartbeat.class);

    private final UnifiedJedis redis;
    private final QueueKeys keys;
    private final String producerId;
    private final Duration ttl;
    private final ScheduledExecutorService beats;

    public ProducerHeartbeat(UnifiedJedis redis, QueueKeys keys, String producerId, Duration ttl, Supplier<String> status) {
        this.redis = redis;
        this.keys = keys;
        this.producerId = producerId;
        this.ttl = ttl;
        long period = Math.max(250, ttl.toMillis() / 3);
        try {
            dropExpired();
            beat(status.get());
        } catch (RuntimeException e) {
            // only the listing in `pipeline status` depends on it: never a reason not to start
            log.warn("first heartbeat for {} failed, next one in {} ms: {}", keys.main(), period, e.toString());
        }
        this.beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeat");
            t.setDaemon(true);
            return t;
        });
        // fixed delay: after a long pause beats must not fire back to back; a failed beat must not end them
        beats.scheduleWithFixedDelay(() -> {
            try {
                beat(status.get());
            } catch (RuntimeException e) {
                log.warn("heartbeat for {} failed, next one in {} ms: {}", keys.main(), period, e.toString());
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    private void beat(String status) {
        redis.sadd(keys.producers(), producerId);
        redis.set(keys.producerHeartbeat(producerId), status, SetParams.setParams().px(ttl.toMillis()));
    }

    private void dropExpired() {
        for (String producer : redis.smembers(keys.producers())) {
            if (!redis.exists(keys.producerHeartbeat(producer))) {
                redis.srem(keys.producers(), producer);
            }
        }
    }

    @Override
    public void close() {
        beats.shutdownNow();
        try {
            redis.del(keys.producerHeartbeat(producerId));
            redis.srem(keys.producers(), producerId);
        } catch (RuntimeException e) {
            log.warn("could not leave the producers of {} ({}); the heartbeat expires by itself", keys.main(), e.toString());
        }
    }
}
