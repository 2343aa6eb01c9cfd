package io.audiopipeline.common.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import redis.clients.jedis.UnifiedJedis;

/**
 * Enqueues jobs at most once per (group, id): the "already published" mark and the {@code LPUSH} happen
 * in one script, so a producer that crashes and redoes its work never enqueues a job twice, and never
 * marks a job it did not enqueue. The mark is a hash per group (a batch) in the queue's hash slot, id to
 * the payload as published: a consumer can tell a job its producer published from one pushed by anyone
 * else ({@link #published}).
 */
public final class JobPublisher {
    private static final String PUBLISH_ONCE = """
            if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
            redis.call('LPUSH', KEYS[2], ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return 1
            """;

    /** ARGV: ttl, then id and payload pairs; returns how many were enqueued now. */
    private static final String PUBLISH_ALL_ONCE = """
            local enqueued = 0
            for i = 2, #ARGV, 2 do
              if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
                redis.call('LPUSH', KEYS[2], ARGV[i + 1])
                enqueued = enqueued + 1
              end
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return enqueued
            """;
    /** Jobs per script call: few round trips, and no call that holds Redis for long. */
    private static final int CHUNK = 200;

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

    /**
     * {@link #publishOnce} for many jobs of one group, a few hundred per script call (each job marked and
     * enqueued together, as one); returns how many were enqueued now.
     */
    public int publishAllOnce(QueueKeys queue, String group, List<Map.Entry<String, String>> jobs) {
        int enqueued = 0;
        for (int from = 0; from < jobs.size(); from += CHUNK) {
            List<String> args = new ArrayList<>(List.of(Long.toString(markTtl.toMillis())));
            for (Map.Entry<String, String> job : jobs.subList(from, Math.min(jobs.size(), from + CHUNK))) {
                args.add(job.getKey());
                args.add(job.getValue());
            }
            enqueued += ((Number) redis.eval(PUBLISH_ALL_ONCE, List.of(published(queue, group), queue.main()), args)).intValue();
        }
        return enqueued;
    }

    public boolean isPublished(QueueKeys queue, String group, String id) {
        return redis.hexists(published(queue, group), id) || redis.sismember(legacyPublished(queue, group), id);
    }

    /**
     * The payload published for (group, id), or empty when none was. A mark left by a version that kept
     * only the id (a set) reads as the id being published with no payload to compare: {@code ""}.
     */
    public Optional<String> published(QueueKeys queue, String group, String id) {
        String payload = redis.hget(published(queue, group), id);
        if (payload != null) {
            return Optional.of(payload);
        }
        return redis.sismember(legacyPublished(queue, group), id) ? Optional.of("") : Optional.empty();
    }

    static String published(QueueKeys queue, String group) {
        return "queue:{queue:" + queue.name() + "}:published-jobs:" + group;
    }

    private static String legacyPublished(QueueKeys queue, String group) {
        return "queue:{queue:" + queue.name() + "}:published:" + group;
    }
}
