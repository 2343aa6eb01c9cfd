package io.audiopipeline.common.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;

/**
 * The Redis batch keys of the contract ({@code batch:{id}:total/processed/failed/s3_key/node}): a mirror of
 * the counts PostgreSQL keeps in the batch's row, for operators to watch. Written after each commit with
 * one atomic script that only moves a count forward (two settlements of one batch mirrored out of order
 * leave the higher, later count), and rewritten exactly from PostgreSQL by the reconciler when they differ
 * (a Redis that lost them, came back from an older snapshot, or holds a forged value).
 */
public final class BatchTracker {
    /**
     * KEYS: total processed failed s3_key node ; ARGV: total processed failed s3_key node ttl_ms (empty: none). One MGET,
     * then one MSET of what moved (a settlement's usual cost: three commands).
     */
    private static final String FORWARD = """
            local cur = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
            local set = {}
            for i = 1, 3 do
              if ARGV[i] ~= '' then
                local now = tonumber(cur[i] or '-1')
                if now == nil or now < tonumber(ARGV[i]) then set[#set + 1] = KEYS[i]; set[#set + 1] = ARGV[i] end
              end
            end
            for i = 4, 5 do
              if ARGV[i] ~= '' and cur[i] ~= ARGV[i] then set[#set + 1] = KEYS[i]; set[#set + 1] = ARGV[i] end
            end
            if #set > 0 then redis.call('MSET', unpack(set)) end
            if ARGV[6] ~= '' then
              for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[6]) end
            end
            return 1
            """;
    /** KEYS and ARGV as {@link #FORWARD}: every value set as given (an empty one deleted). */
    private static final String REWRITE = """
            for i = 1, 5 do
              if ARGV[i] == '' then redis.call('DEL', KEYS[i]) else redis.call('SET', KEYS[i], ARGV[i]) end
            end
            if ARGV[6] ~= '' then
              for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[6]) end
            end
            return 1
            """;

    /**
     * KEYS: total processed failed s3_key node ; ARGV: the five values seen, then the five true ones. A key still
     * holding what was seen is set to the truth; a count behind the truth moves up to it (a settlement mirrored
     * since the truth was read is never undone).
     */
    private static final String CORRECT = """
            for i = 1, 5 do
              local cur = redis.call('GET', KEYS[i]) or ''
              local truth = ARGV[i + 5]
              local behind = i <= 3 and truth ~= '' and (cur == '' or tonumber(cur) == nil or tonumber(cur) < tonumber(truth))
              if cur == ARGV[i] or behind then
                if truth == '' then redis.call('DEL', KEYS[i]) else redis.call('SET', KEYS[i], truth) end
              end
            end
            return 1
            """;

    private final UnifiedJedis redis;

    public BatchTracker(UnifiedJedis redis) {
        this.redis = redis;
    }

    /** After a commit: the keys move forward to {@code counts}; a completed batch's keys expire after {@code ttl}. */
    public void mirror(BatchCounts counts, Duration ttl) {
        redis.eval(FORWARD, keys(counts.batchId()), args(counts, ttl));
    }

    /** The keys set exactly to {@code counts} (the reconciler's repair). */
    public void rewrite(BatchCounts counts, Duration ttl) {
        redis.eval(REWRITE, keys(counts.batchId()), args(counts, ttl));
    }

    private static List<String> keys(String batchId) {
        BatchKeys k = new BatchKeys(batchId);
        return List.of(k.total(), k.processed(), k.failed(), k.s3Key(), k.node());
    }

    private static List<String> args(BatchCounts c, Duration ttl) {
        List<String> args = new ArrayList<>();
        args.add(c.total() == null ? "" : Long.toString(c.total()));
        args.add(Long.toString(c.processed()));
        args.add(Long.toString(c.failed()));
        args.add(c.s3Key() == null ? "" : c.s3Key());
        args.add(c.node() == null ? "" : c.node());
        args.add(c.completed() && ttl != null ? Long.toString(ttl.toMillis()) : "");
        return args;
    }

    /**
     * The reconciler's repair of an open batch: {@code seen} is what the keys held (read before {@code truth} was
     * read from the row). What is still as seen becomes the truth; nothing moved since is undone.
     */
    public void correct(BatchCounts seen, BatchCounts truth) {
        List<String> args = new ArrayList<>(args(seen, null).subList(0, 5));
        args.addAll(args(truth, null).subList(0, 5));
        redis.eval(CORRECT, keys(truth.batchId()), args);
    }

    /** The counts as the keys hold them now ({@code completed} is not mirrored: false). */
    public BatchCounts counts(String batchId) {
        BatchKeys k = new BatchKeys(batchId);
        List<String> v = redis.mget(k.total(), k.processed(), k.failed(), k.s3Key(), k.node());
        return new BatchCounts(batchId,
                v.get(0) == null ? null : Long.parseLong(v.get(0)),
                v.get(1) == null ? 0 : Long.parseLong(v.get(1)),
                v.get(2) == null ? 0 : Long.parseLong(v.get(2)),
                v.get(3), v.get(4), false);
    }

    /** Whether the keys hold {@code expected}'s total and counts exactly. */
    public boolean agrees(BatchCounts expected) {
        return counts(expected.batchId()).sameAs(expected);
    }
}
