package io.audiopipeline.common.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import redis.clients.jedis.UnifiedJedis;

/**
 * Removes one batch's jobs from a queue whose workers are gone (a lost node): from the waiting list and
 * from the processing lists of workers without a heartbeat. Live workers' jobs are left alone.
 */
public final class BatchJobSweeper {
    private final UnifiedJedis redis;
    private final ObjectMapper json;

    public BatchJobSweeper(UnifiedJedis redis, ObjectMapper json) {
        this.redis = redis;
        this.json = json;
    }

    /** Returns how many jobs were removed. */
    public long removeBatch(QueueKeys keys, String batchId) {
        long removed = sweep(keys.main(), batchId);
        for (String worker : redis.smembers(keys.workers())) {
            if (!redis.exists(keys.heartbeat(worker))) {
                removed += sweep(keys.processing(worker), batchId);
            }
        }
        return removed;
    }

    private long sweep(String list, String batchId) {
        long removed = 0;
        for (String payload : redis.lrange(list, 0, -1)) {
            if (batchId.equals(batchOf(payload))) {
                removed += redis.lrem(list, 1, payload);
            }
        }
        return removed;
    }

    private String batchOf(String payload) {
        try {
            JsonNode node = json.readTree(payload);
            return node == null ? null : node.path("batch_id").asText(null);
        } catch (IOException e) {
            return null;
        }
    }
}
