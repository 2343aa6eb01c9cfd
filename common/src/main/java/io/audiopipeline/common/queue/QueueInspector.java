package io.audiopipeline.common.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.ScanIteration;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;

/** Read-only views of queues for monitoring, the CLI and tests. */
public final class QueueInspector {
    private final UnifiedJedis redis;
    private final ObjectMapper json;

    public QueueInspector(UnifiedJedis redis, ObjectMapper json) {
        this.redis = redis;
        this.json = json;
    }

    public QueueStats stats(QueueKeys keys) {
        return stats(redis, keys);
    }

    static QueueStats stats(UnifiedJedis redis, QueueKeys keys) {
        Set<String> workers = redis.smembers(keys.workers());
        long inFlight = 0;
        for (String worker : workers) {
            inFlight += redis.llen(keys.processing(worker));
        }
        return new QueueStats(keys.name(), redis.llen(keys.main()), inFlight, redis.zcard(keys.delayed()),
                redis.llen(keys.dead()), workers.size());
    }

    /** Heartbeat documents of the live workers of a queue (JSON written by each worker). */
    public List<String> liveWorkers(QueueKeys keys) {
        return liveBeats(keys.workers(), keys::heartbeat);
    }

    /** Heartbeat documents of the live workers that feed a queue (transfer workers for {@code unpack}). */
    public List<String> liveProducers(QueueKeys keys) {
        return liveBeats(keys.producers(), keys::producerHeartbeat);
    }

    private List<String> liveBeats(String members, UnaryOperator<String> heartbeatKey) {
        List<String> beats = new ArrayList<>();
        for (String member : redis.smembers(members)) {
            String beat = redis.get(heartbeatKey.apply(member));
            if (beat != null) {
                beats.add(beat);
            }
        }
        return beats;
    }

    /** Every queue that exists in Redis now, by name ({@code unpack}, {@code transcribe:gpu-01}, ...). */
    public List<String> queueNames() {
        Set<String> names = new java.util.TreeSet<>();
        for (String key : scan("queue:*")) {
            if (key.startsWith("queue:{")) {
                int close = key.indexOf('}');
                names.add(key.substring("queue:{queue:".length(), close));
            } else if (key.endsWith(":dead")) {
                names.add(key.substring("queue:".length(), key.length() - ":dead".length()));
            } else {
                names.add(key.substring("queue:".length()));
            }
        }
        return List.copyOf(names);
    }

    public ObjectMapper json() {
        return json;
    }

    private List<String> scan(String pattern) {
        List<String> found = new ArrayList<>();
        if (redis instanceof JedisCluster cluster) {
            // a cluster's keys are spread over its nodes: scan every master
            ScanIteration nodes = cluster.scanIteration(500, pattern);
            while (!nodes.isIterationCompleted()) {
                found.addAll(nodes.nextBatch().getResult());
            }
            return found;
        }
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams params = new ScanParams().match(pattern).count(500);
        do {
            var page = redis.scan(cursor, params);
            found.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return found;
    }
}
