package io.audiopipeline.common.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.queue.QueueKeys;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import redis.clients.jedis.UnifiedJedis;

/**
 * Every job of one queue at one instant: waiting, in the processing list of any registered worker, or
 * waiting in the delayed set, read by one script (a job moving from one list to another is never missed).
 * Jobs are known by batch id and file name (an unpack job's file name is empty).
 */
final class QueueSnapshot {
    private static final String READ_ALL = """
            local out = redis.call('LRANGE', KEYS[1], 0, -1)
            for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
              for _, p in ipairs(redis.call('LRANGE', ARGV[1] .. w, 0, -1)) do out[#out + 1] = p end
            end
            for _, m in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
              local sep = string.find(m, '|', 1, true)
              if sep then out[#out + 1] = string.sub(m, sep + 1) end
            end
            return out
            """;

    private final Set<String> jobs = new HashSet<>();
    private final Set<String> batches = new HashSet<>();

    @SuppressWarnings("unchecked")
    static QueueSnapshot read(UnifiedJedis redis, QueueKeys keys, ObjectMapper json) {
        String prefix = keys.processing("");
        List<String> payloads = (List<String>) redis.eval(READ_ALL, List.of(keys.main(), keys.workers(), keys.delayed()), List.of(prefix));
        QueueSnapshot s = new QueueSnapshot();
        for (String p : payloads) {
            try {
                JsonNode node = json.readTree(p);
                String batch = node.path("batch_id").asText(null);
                if (batch != null) {
                    s.batches.add(batch);
                    s.jobs.add(batch + "\n" + node.path("original_filename").asText(""));
                }
            } catch (Exception malformed) {
                // not a job of ours: the worker that takes it dead-letters it
            }
        }
        return s;
    }

    boolean holdsBatch(String batchId) {
        return batches.contains(batchId);
    }

    boolean holds(String batchId, String file) {
        return jobs.contains(batchId + "\n" + file);
    }
}
