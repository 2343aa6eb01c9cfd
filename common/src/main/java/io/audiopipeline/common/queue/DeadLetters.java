package io.audiopipeline.common.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.UnifiedJedis;

/**
 * The dead-letter list of one queue: inspect, re-queue, purge, each entry by its id (newest first). With a
 * {@link DeadLetterStore}, what is re-queued or purged is marked in the database's record too.
 */
public final class DeadLetters {
    private final UnifiedJedis redis;
    private final QueueKeys keys;
    private final ObjectMapper json;
    private final DeadLetterStore store;

    public DeadLetters(UnifiedJedis redis, QueueKeys keys, ObjectMapper json) {
        this(redis, keys, json, null);
    }

    public DeadLetters(UnifiedJedis redis, QueueKeys keys, ObjectMapper json, DeadLetterStore store) {
        this.redis = redis;
        this.keys = keys;
        this.json = json;
        this.store = store;
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

    /** The entry with {@code id}, if it is on the list. */
    public Optional<DeadLetter> find(String id) {
        return raw(id).map(this::parse);
    }

    private Optional<String> raw(String id) {
        for (String raw : redis.lrange(keys.dead(), 0, -1)) {
            if (parse(raw).id().equals(id)) {
                return Optional.of(raw);
            }
        }
        return Optional.empty();
    }

    /**
     * Puts the entry {@code id} back on the queue with its original payload. The job is pushed before the dead
     * entry is removed, so a crash in between leaves a duplicate, never a loss. Returns false when there is no
     * such entry.
     */
    public boolean retry(String id) throws SQLException {
        Optional<String> raw = raw(id);
        if (raw.isEmpty()) {
            return false;
        }
        redis.lpush(keys.main(), parse(raw.get()).payload());
        redis.lrem(keys.dead(), 1, raw.get());
        settle(List.of(id), "requeued");
        return true;
    }

    /** Re-queues every dead entry; returns how many. */
    public long retryAll() throws SQLException {
        long n = 0;
        String raw;
        List<String> ids = new ArrayList<>();
        while ((raw = redis.lindex(keys.dead(), -1)) != null) {
            DeadLetter d = parse(raw);
            redis.lpush(keys.main(), d.payload());
            redis.lrem(keys.dead(), 1, raw);
            ids.add(d.id());
            n++;
        }
        settle(ids, "requeued");
        return n;
    }

    public long purge() throws SQLException {
        List<String> ids = redis.lrange(keys.dead(), 0, -1).stream().map(r -> parse(r).id()).toList();
        long n = redis.llen(keys.dead());
        redis.del(keys.dead());
        settle(ids, "purged");
        return n;
    }

    private void settle(List<String> ids, String how) throws SQLException {
        if (store != null) {
            store.settle(ids, how);
        }
    }

    private DeadLetter parse(String raw) {
        try {
            DeadLetter d = json.readValue(raw, DeadLetter.class);
            return d.id() == null ? d.withId(legacyId(raw)) : d;
        } catch (JsonProcessingException e) {
            // written by hand or by an older version: keep it retryable as it is
            return new DeadLetter(legacyId(raw), keys.name(), raw, "unreadable dead-letter entry", 0, null, null);
        }
    }

    /** An entry written before entries had ids is known by the start of its SHA-1: stable as long as it stays on the list. */
    private static String legacyId(String raw) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(raw.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
