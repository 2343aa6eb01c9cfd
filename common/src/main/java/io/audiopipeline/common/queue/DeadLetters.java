package io.audiopipeline.common.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;

/** The dead-letter list of one queue: inspect, re-queue, purge. Index 0 is the newest entry. */
public final class DeadLetters {
    private final UnifiedJedis redis;
    private final QueueKeys keys;
    private final ObjectMapper json;

    public DeadLetters(UnifiedJedis redis, QueueKeys keys, ObjectMapper json) {
        this.redis = redis;
        this.keys = keys;
        this.json = json;
    }

    public long size() {
        return redis.llen(keys.dead());
    }

    public List<DeadLetter> list(long offset, long count) {
        List<DeadLetter> entries = new ArrayList<>();
        for (String raw : redis.lrange(keys.dead(), offset, offset + count - 1)) {
            entries.add(parse(raw));
        }
        return entries;
    }

    /**
     * Puts entry {@code index} back on the queue with its original payload. The job is pushed before the
     * dead entry is removed, so a crash in between leaves a duplicate, never a loss. Returns false when
     * there is no such entry.
     */
    public boolean retry(long index) {
        String raw = redis.lindex(keys.dead(), index);
        if (raw == null) {
            return false;
        }
        redis.lpush(keys.main(), parse(raw).payload());
        redis.lrem(keys.dead(), 1, raw);
        return true;
    }

    /** Re-queues every dead entry; returns how many. */
    public long retryAll() {
        long n = 0;
        String raw;
        while ((raw = redis.lindex(keys.dead(), -1)) != null) {
            redis.lpush(keys.main(), parse(raw).payload());
            redis.lrem(keys.dead(), 1, raw);
            n++;
        }
        return n;
    }

    public long purge() {
        long n = redis.llen(keys.dead());
        redis.del(keys.dead());
        return n;
    }

    private DeadLetter parse(String raw) {
        try {
            return json.readValue(raw, DeadLetter.class);
        } catch (JsonProcessingException e) {
            // written by hand or by an older version: keep it retryable as it is
            return new DeadLetter(keys.name(), raw, "unreadable dead-letter entry", 0, null, null);
        }
    }
}
