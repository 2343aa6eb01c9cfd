package io.audiopipeline.common.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    /**
     * ARGV: ttl, then id and payload pairs; returns how many were enqueued now. The marks are read with one
     * HMGET and the new ones written with one HSET and one LPUSH, so a chunk costs five commands however
     * many jobs it holds (one HSETNX and one LPUSH per job cost two per file). An id given twice counts once.
     */
    private static final String PUBLISH_ALL_ONCE = """
            local ids = {}
            for i = 2, #ARGV, 2 do ids[#ids + 1] = ARGV[i] end
            local marked = redis.call('HMGET', KEYS[1], unpack(ids))
            local seen, marks, payloads = {}, {}, {}
            for j, id in ipairs(ids) do
              if not marked[j] and not seen[id] then
                seen[id] = true
                marks[#marks + 1] = id
                marks[#marks + 1] = ARGV[2 * j + 1]
                payloads[#payloads + 1] = ARGV[2 * j + 1]
              end
            end
            if #payloads > 0 then
              redis.call('HSET', KEYS[1], unpack(marks))
              redis.call('LPUSH', KEYS[2], unpack(payloads))
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return #payloads
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
        return inChunks(PUBLISH_ALL_ONCE, queue, group, jobs);
    }

    /** Runs {@code script} on the group's marks and the queue, {@value #CHUNK} jobs a call (mark TTL, then id and payload pairs); sums what it returns. */
    private int inChunks(String script, QueueKeys queue, String group, List<Map.Entry<String, String>> jobs) {
        int enqueued = 0;
        for (int from = 0; from < jobs.size(); from += CHUNK) {
            List<String> args = new ArrayList<>(List.of(Long.toString(markTtl.toMillis())));
            for (Map.Entry<String, String> job : jobs.subList(from, Math.min(jobs.size(), from + CHUNK))) {
                args.add(job.getKey());
                args.add(job.getValue());
            }
            enqueued += ((Number) redis.eval(script, List.of(published(queue, group), queue.main()), args)).intValue();
        }
        return enqueued;
    }

    /** Every job published for {@code group}, id to payload (what a hand-off of an earlier release left). */
    public java.util.Map<String, String> publishedJobs(QueueKeys queue, String group) {
        return redis.hgetAll(published(queue, group));
    }

    /**
     * The reconciler's repair: enqueues each job again and marks it published, whatever the marks say (a Redis
     * that lost the job may have kept, or restored, its mark). Returns how many were enqueued.
     */
    public int republish(QueueKeys queue, String group, List<Map.Entry<String, String>> jobs) {
        return inChunks(REPUBLISH, queue, group, jobs);
    }

    /** ARGV: ttl, then id and payload pairs: every job marked (one HSET) and enqueued (one LPUSH), whatever the marks said. */
    private static final String REPUBLISH = """
            local marks, payloads = {}, {}
            for i = 2, #ARGV, 2 do
              marks[#marks + 1] = ARGV[i]
              marks[#marks + 1] = ARGV[i + 1]
              payloads[#payloads + 1] = ARGV[i + 1]
            end
            if #payloads > 0 then
              redis.call('HSET', KEYS[1], unpack(marks))
              redis.call('LPUSH', KEYS[2], unpack(payloads))
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return #payloads
            """;

    static String published(QueueKeys queue, String group) {
        return "queue:{queue:" + queue.name() + "}:published-jobs:" + group;
    }
}
