package io.audiopipeline.common.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.params.SetParams;

/**
 * A reliable Redis list queue, as seen by one worker.
 *
 * <p>Fetching moves a job atomically ({@code BLMOVE}) from {@code queue:<q>} into this worker's
 * processing list, so a job is always in exactly one list. While the worker lives it refreshes a
 * heartbeat key whose expiry is the visibility timeout; any worker's {@link #reapOrphans()} puts the
 * processing list of a worker whose heartbeat expired back on the queue. A job is therefore delivered
 * again after its worker dies (kill -9, VM lost) and is never lost: delivery is at-least-once.
 *
 * <p>Each delivery increments an attempt counter keyed by the payload's SHA-1 (operators push bare
 * JSON, which has no id), so a job that keeps killing its worker still reaches the dead-letter list.
 * Retries wait in a sorted set scored by Redis server time, so workers' clocks do not matter.
 */
public final class ReliableQueue {
    private static final String RETRY_LATER = """
            if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[3] .. '|' .. ARGV[1])
            return 1
            """;
    private static final String PROMOTE_DUE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
            for _, member in ipairs(due) do
              local sep = string.find(member, '|', 1, true)
              redis.call('LPUSH', KEYS[2], string.sub(member, sep + 1))
              redis.call('ZREM', KEYS[1], member)
            end
            return #due
            """;
    private static final String REQUEUE_ORPHAN = """
            if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
            local moved = 0
            while redis.call('LMOVE', KEYS[2], KEYS[3], 'RIGHT', 'RIGHT') do moved = moved + 1 end
            redis.call('SREM', KEYS[4], ARGV[1])
            return moved
            """;
    private static final String RELEASE = """
            local moved = 0
            while redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'RIGHT') do moved = moved + 1 end
            redis.call('DEL', KEYS[3])
            redis.call('SREM', KEYS[4], ARGV[1])
            return moved
            """;
    private static final String REQUEUE_STRAY = """
            if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
            redis.call('LPUSH', KEYS[2], ARGV[1])
            return 1
            """;
    private static final int PROMOTE_BATCH = 200;

    private final UnifiedJedis redis;
    private final QueueKeys keys;
    private final String workerId;
    private final Duration visibilityTimeout;
    private final ObjectMapper json;
    private final Clock clock;
    private volatile DeadLetterStore record;

    public ReliableQueue(UnifiedJedis redis, QueueKeys keys, String workerId, Duration visibilityTimeout,
                         ObjectMapper json, Clock clock) {
        this.redis = redis;
        this.keys = keys;
        this.workerId = workerId;
        this.visibilityTimeout = visibilityTimeout;
        this.json = json;
        this.clock = clock;
    }

    public QueueKeys keys() {
        return keys;
    }

    public String workerId() {
        return workerId;
    }

    /** Enqueues a payload (as an operator's {@code LPUSH} does). */
    public void push(String payload) {
        redis.lpush(keys.main(), payload);
    }

    /**
     * Refreshes this worker's heartbeat; {@code status} is a JSON description shown by the CLI. Must be
     * called before the first {@link #fetch} and then at well under the visibility timeout.
     */
    public void heartbeat(String status) {
        redis.sadd(keys.workers(), workerId);
        redis.set(keys.heartbeat(workerId), status, SetParams.setParams().px(visibilityTimeout.toMillis()));
    }

    /** Waits up to {@code wait} for a job; the job stays in this worker's processing list until settled. */
    public Optional<Delivery> fetch(Duration wait) {
        double seconds = Math.max(0.01, wait.toMillis() / 1000.0);
        String payload = redis.blmove(keys.main(), keys.processing(workerId), ListDirection.RIGHT, ListDirection.LEFT, seconds);
        if (payload == null) {
            return Optional.empty();
        }
        long attempt = redis.hincrBy(keys.attempts(), fingerprint(payload), 1);
        return Optional.of(new Delivery(payload, (int) Math.min(attempt, Integer.MAX_VALUE)));
    }

    /** The job succeeded (or was handled for good): forget it. */
    public void ack(Delivery delivery) {
        // one round trip, two commands: the job leaves the processing list first, so a worker that dies
        // in between leaves at most a stale attempt count, never a job counted as not yet attempted
        try (AbstractPipeline p = redis.pipelined()) {
            p.lrem(keys.processing(workerId), 1, delivery.payload());
            p.hdel(keys.attempts(), fingerprint(delivery.payload()));
            p.sync();
        }
    }

    /**
     * Schedules another delivery after {@code delay}. Returns false when the job was no longer ours (our
     * heartbeat lapsed and it was already handed to another worker), in which case nothing is scheduled.
     */
    public boolean retryLater(Delivery delivery, Duration delay) {
        Object moved = redis.eval(RETRY_LATER, List.of(keys.processing(workerId), keys.delayed()),
                List.of(delivery.payload(), Long.toString(delay.toMillis()), UUID.randomUUID().toString()));
        return Long.valueOf(1).equals(moved);
    }

    /** Dead letters are recorded in the database (the {@code dead_letters} table) before they go on the list. */
    public void recordDeadLettersIn(DeadLetterStore store) {
        this.record = store;
    }

    /**
     * Moves the job to {@code queue:<q>:dead} with the reason. The dead entry is written first and the
     * job removed after, so a crash in between leaves a duplicate, never a loss.
     */
    public void deadLetter(Delivery delivery, String error) throws java.sql.SQLException {
        DeadLetter entry = DeadLetter.of(keys.name(), delivery.payload(), error, delivery.attempt(), workerId, clock.instant());
        if (record != null) {
            record.record(entry); // the database's record first: Redis may lose the list, never the entry
        }
        try {
            redis.lpush(keys.dead(), json.writeValueAsString(entry));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode dead letter", e);
        }
        ack(delivery);
    }

    /** Moves retries whose time has come back onto the queue; returns how many. */
    public long promoteDue() {
        Object n = redis.eval(PROMOTE_DUE, List.of(keys.delayed(), keys.main()), List.of(Integer.toString(PROMOTE_BATCH)));
        return ((Number) n).longValue();
    }

    /** Puts back the jobs held by workers whose heartbeat expired; returns how many jobs. */
    public long reapOrphans() {
        long requeued = 0;
        for (String worker : redis.smembers(keys.workers())) {
            if (worker.equals(workerId) || redis.exists(keys.heartbeat(worker))) {
                continue;
            }
            Object n = redis.eval(REQUEUE_ORPHAN,
                    List.of(keys.heartbeat(worker), keys.processing(worker), keys.main(), keys.workers()), List.of(worker));
            long moved = ((Number) n).longValue();
            requeued += Math.max(0, moved);
        }
        return requeued;
    }

    /** The jobs in this worker's processing list now. */
    public List<String> processing() {
        return redis.lrange(keys.processing(workerId), 0, -1);
    }

    /**
     * Puts a job of this worker's processing list that it does not run back on the queue (a Redis restored from an
     * older snapshot brings back jobs the worker finished since). Returns false when it was no longer there.
     */
    public boolean requeueStray(String payload) {
        return Long.valueOf(1).equals(redis.eval(REQUEUE_STRAY, List.of(keys.processing(workerId), keys.main()), List.of(payload)));
    }

    /** At shutdown: give unfinished jobs back to the queue at once and leave the worker set. */
    public long release() {
        Object n = redis.eval(RELEASE,
                List.of(keys.processing(workerId), keys.main(), keys.heartbeat(workerId), keys.workers()), List.of(workerId));
        return ((Number) n).longValue();
    }

    public QueueStats stats() {
        return QueueInspector.stats(redis, keys);
    }

    static String fingerprint(String payload) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(payload.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
