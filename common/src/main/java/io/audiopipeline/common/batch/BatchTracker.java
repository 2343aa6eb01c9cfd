package io.audiopipeline.common.batch;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import redis.clients.jedis.UnifiedJedis;

/**
 * The batch counters of the contract, updated by atomic scripts so that a file is counted once however
 * often or concurrently it is reported, {@code processed + failed} reaches {@code total} exactly once,
 * and exactly one report is told it completed the batch.
 */
public final class BatchTracker {
    static final String INIT_MARKER = "init";

    /** KEYS: total processed failed completed_by ; returns 1 and marks completion when processed+failed >= total. */
    private static final String COMPLETE_IF_DONE = """
            local function complete_if_done(marker)
              local v = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3])
              if not v[1] then return 0 end
              local done = tonumber(v[2] or '0') + tonumber(v[3] or '0')
              if done >= tonumber(v[1]) and redis.call('SET', KEYS[4], marker, 'NX') then return 1 end
              return 0
            end
            """;
    /** KEYS: total processed failed completed_by s3_key node finalized ; ARGV: total s3_key node marker */
    private static final String INITIALIZE = COMPLETE_IF_DONE + """
            redis.call('SET', KEYS[1], ARGV[1], 'NX')
            redis.call('SET', KEYS[2], 0, 'NX')
            redis.call('SET', KEYS[3], 0, 'NX')
            redis.call('SET', KEYS[5], ARGV[2])
            redis.call('SET', KEYS[6], ARGV[3])
            if complete_if_done(ARGV[4]) == 1 then return 1 end
            if redis.call('GET', KEYS[4]) == ARGV[4] and redis.call('EXISTS', KEYS[7]) == 0 then return 1 end
            return 0
            """;
    /** KEYS: total processed failed completed_by counted counter ; ARGV: file */
    private static final String RECORD = COMPLETE_IF_DONE + """
            if redis.call('SADD', KEYS[5], ARGV[1]) == 0 then return 0 end
            redis.call('INCR', KEYS[6])
            if complete_if_done(ARGV[1]) == 1 then return 2 end
            return 1
            """;

    private final UnifiedJedis redis;

    public BatchTracker(UnifiedJedis redis) {
        this.redis = redis;
    }

    /**
     * Sets the total (only the first time: a redelivered unpack job never resets it) and the batch's
     * archive key and node. Returns true when this call completed the batch (no recordings, or every file
     * was already counted), in which case the caller runs the completion; a redelivered unpack job whose
     * completion was claimed here but never finalized is told so again.
     */
    public boolean initialize(String batchId, long total, String s3Key, String node) {
        BatchKeys k = new BatchKeys(batchId);
        Object r = redis.eval(INITIALIZE,
                List.of(k.total(), k.processed(), k.failed(), k.completedBy(), k.s3Key(), k.node(), k.finalized()),
                List.of(Long.toString(total), s3Key, node, INIT_MARKER));
        return Long.valueOf(1).equals(r);
    }

    public Outcome recordProcessed(String batchId, String file) {
        BatchKeys k = new BatchKeys(batchId);
        return record(k, file, k.processed());
    }

    public Outcome recordFailed(String batchId, String file) {
        BatchKeys k = new BatchKeys(batchId);
        return record(k, file, k.failed());
    }

    private Outcome record(BatchKeys k, String file, String counter) {
        Object r = redis.eval(RECORD,
                List.of(k.total(), k.processed(), k.failed(), k.completedBy(), k.counted(), counter), List.of(file));
        long code = ((Number) r).longValue();
        return code == 2 ? Outcome.COMPLETED : code == 1 ? Outcome.COUNTED : Outcome.ALREADY_COUNTED;
    }

    /**
     * For a redelivered job whose file was already counted: true when this very file's report completed
     * the batch but the completion was never finalized (the worker died during it), so the redelivery
     * must run the completion again. Completion steps are idempotent.
     */
    public boolean completionPending(String batchId, String file) {
        BatchKeys k = new BatchKeys(batchId);
        List<String> v = redis.mget(k.completedBy(), k.finalized());
        return file.equals(v.get(0)) && v.get(1) == null;
    }

    /** The batch's completion ran to its end; its keys now expire after {@code ttl} (BATCH_KEY_TTL). */
    public void finalizeCompletion(String batchId, Duration ttl) {
        redis.set(new BatchKeys(batchId).finalized(), "1");
        expire(batchId, ttl);
    }

    public boolean isCounted(String batchId, String file) {
        return redis.sismember(new BatchKeys(batchId).counted(), file);
    }

    /** Which of {@code files} are counted already: one command per {@value #CHUNK} names. */
    public Set<String> countedAmong(String batchId, List<String> files) {
        Set<String> counted = new HashSet<>();
        String key = new BatchKeys(batchId).counted();
        for (int from = 0; from < files.size(); from += CHUNK) {
            List<String> chunk = files.subList(from, Math.min(files.size(), from + CHUNK));
            List<Boolean> member = redis.smismember(key, chunk.toArray(String[]::new));
            for (int i = 0; i < chunk.size(); i++) {
                if (member.get(i)) {
                    counted.add(chunk.get(i));
                }
            }
        }
        return counted;
    }

    private static final int CHUNK = 500;

    void expire(String batchId, Duration ttl) {
        for (String key : new BatchKeys(batchId).all()) {
            redis.pexpire(key, ttl.toMillis());
        }
    }

    public BatchCounts counts(String batchId) {
        BatchKeys k = new BatchKeys(batchId);
        List<String> v = redis.mget(k.total(), k.processed(), k.failed(), k.s3Key(), k.node(), k.completedBy());
        return new BatchCounts(batchId,
                v.get(0) == null ? null : Long.parseLong(v.get(0)),
                v.get(1) == null ? 0 : Long.parseLong(v.get(1)),
                v.get(2) == null ? 0 : Long.parseLong(v.get(2)),
                v.get(3), v.get(4), v.get(5) != null);
    }
}
