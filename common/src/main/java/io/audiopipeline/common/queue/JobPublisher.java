package io.audiopipeline.common.queue;

import java.time.Duration;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;

/**
 * Enqueues jobs at most once per (group, id): the "already published" mark and the {@code LPUSH} happen
 * in one script, so a producer that crashes and redoes its work never enqueues a job twice, and never
 * marks a job it did not enqueue. The mark is a set per group (a batch) in the queue's hash slot.
 */
public final class JobPublisher {
    private static final String PUBLISH_ONCE = """
            if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
            redis.call('LPUSH', KEYS[2], ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return 1
            """;

    private final UnifiedJedis redis;
    private final Duration markTtl;

    public JobPublisher(UnifiedJedis redis, Duration markTtl) {
        this.redis = redis;
        this.markTtl = markTtl;
    }

    /** Returns true when the job was enqueued now, false when it had been before. */
    public boolean publishOnce(QueueKeys queue, String group, String id, String payload) {
        Object r = redis.eval(PUBLISH_ONCE, List.of(published(queue, group), queue.main()),
                List.of(id, payload, Long.toString(markTtl.toMillis())));
        return Long.valueOf(1).equals(r);
    }

    public boolean isPublished(QueueKeys queue, String group, String id) {
        return redis.sismember(published(queue, group), id);
    }

    static String published(QueueKeys queue, String group) {
        return "queue:{queue:" + queue.name() + "}:published:" + group;
    }
}
