package io.audiopipeline.common.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What a worker is doing (its jobs, or the archive it transfers), published in its heartbeat for `pipeline status`. */
public final class WorkerStatus {
    private final String workerId;
    private final String node;
    private final String kind;
    private final Instant startedAt;
    private final Clock clock;
    private final List<String> current = new ArrayList<>();
    private final List<String> holds = new ArrayList<>();
    private final List<String> payloads = new ArrayList<>();
    private static final ObjectMapper PARSER = new ObjectMapper();

    public WorkerStatus(String workerId, String node, String kind, Clock clock) {
        this.workerId = workerId;
        this.node = node;
        this.kind = kind;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    public synchronized void begin(String payload) {
        current.add(payload.length() > 300 ? payload.substring(0, 300) + "..." : payload);
        holds.add(identity(payload));
        payloads.add(payload);
    }

    public synchronized void end(String payload) {
        current.remove(payload.length() > 300 ? payload.substring(0, 300) + "..." : payload);
        holds.remove(identity(payload));
        payloads.remove(payload);
    }

    /** The payloads of the jobs this worker is running now, whole. */
    public synchronized List<String> payloads() {
        return List.copyOf(payloads);
    }

    /**
     * A job's identity in the heartbeat, whole: {@code <batch_id>/<original_filename>}, so the reconciler can tell
     * a job this live worker holds (whatever Redis lost) from one nobody holds.
     */
    public static String identity(String batchId, String originalFilename) {
        return batchId + "/" + originalFilename;
    }

    private static String identity(String payload) {
        try {
            com.fasterxml.jackson.databind.JsonNode job = PARSER.readTree(payload);
            return identity(job.path("batch_id").asText(""), job.path("original_filename").asText(""));
        } catch (Exception malformed) {
            return "";
        }
    }

    public synchronized String toJson(ObjectMapper json) {
        ObjectNode beat = json.createObjectNode();
        beat.put("worker", workerId);
        beat.put("node", node);
        beat.put("kind", kind);
        beat.put("pid", ProcessHandle.current().pid());
        beat.put("started_at", startedAt.toString());
        beat.put("beat_at", clock.instant().toString());
        ArrayNode jobs = beat.putArray("jobs");
        current.forEach(jobs::add);
        ArrayNode held = beat.putArray("holds");
        holds.forEach(held::add);
        return beat.toString();
    }
}
