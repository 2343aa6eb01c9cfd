package io.audiopipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.delivery.OutboxStats;
import io.audiopipeline.common.queue.QueueInspector;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.queue.QueueStats;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What {@code pipeline status} and the web view's overview show: every queue (depth, in flight, delayed,
 * dead, the age of its oldest waiting job), the live workers and what each is doing, the active batches,
 * the result events waiting to be published.
 */
final class StatusReport {
    private StatusReport() {
    }

    static ObjectNode build(Connections c, List<BatchView> batches) throws Exception {
        ObjectMapper mapper = c.codec().mapper();
        QueueInspector inspector = new QueueInspector(c.redis(), mapper);
        Instant now = Instant.now();
        ObjectNode report = mapper.createObjectNode();
        report.put("at", now.toString());
        ArrayNode queues = report.putArray("queues");
        ArrayNode workers = report.putArray("workers");
        for (String name : inspector.queueNames()) {
            QueueKeys keys = new QueueKeys(name);
            QueueStats s = inspector.stats(keys);
            ObjectNode q = queues.addObject().put("queue", name).put("waiting", s.waiting()).put("in_flight", s.inFlight())
                    .put("delayed", s.delayed()).put("dead", s.dead());
            oldestWaiting(c, keys, mapper).ifPresent(since -> q.put("oldest_waiting_seconds", Duration.between(since, now).toSeconds()));
            for (String beat : inspector.liveProducers(keys)) {
                ObjectNode node = (ObjectNode) mapper.readTree(beat);
                workers.add(node.put("feeds", name));
            }
            for (String beat : inspector.liveWorkers(keys)) {
                ObjectNode node = (ObjectNode) mapper.readTree(beat);
                // the heartbeat's job list is as old as the beat: the processing list says what it holds right now
                ArrayNode holding = node.putArray("in_flight");
                if (node.hasNonNull("worker")) {
                    for (String job : c.redis().lrange(keys.processing(node.get("worker").asText()), 0, 4)) {
                        holding.add(describe(job, mapper));
                    }
                }
                workers.add(node.put("queue", name));
            }
        }
        new OutboxStats(c.database()).read().ifPresent(o -> report.putObject("outbox").put("backlog", o.backlog())
                .put("oldest_unpublished_seconds", o.oldestSeconds()));
        report.set("active_batches", mapper.valueToTree(batches));
        report.set("recent_batches", mapper.valueToTree(c.database().withHandle(h -> h.createQuery("SELECT batch_id, status, "
                + "total_files AS total, processed_files AS processed, failed_files AS failed, completed_at FROM batches "
                + "WHERE status = 'completed' AND completed_at > now() - interval '1 hour' ORDER BY completed_at DESC LIMIT 10")
                .mapToMap().list())));
        report.set("failed_transfers", mapper.valueToTree(c.database().withHandle(h -> h.createQuery("SELECT name, source, attempts, error, "
                + "first_failed_at, last_failed_at, next_attempt_at FROM transfer_failures WHERE resolved_at IS NULL ORDER BY last_failed_at DESC LIMIT 20")
                .mapToMap().list())));
        report.put("stuck_batches", batches.stream().filter(BatchView::stuck).count());
        return report;
    }

    /** A job in a few words: its file (or archive) and batch, or its start when it is not a job of ours. */
    private static String describe(String job, ObjectMapper mapper) {
        try {
            JsonNode j = mapper.readTree(job);
            String what = j.hasNonNull("original_filename") ? j.get("original_filename").asText() : j.path("s3_key").asText("job");
            return what + (j.hasNonNull("batch_id") ? " (batch " + j.get("batch_id").asText() + ")" : "");
        } catch (Exception e) {
            return job.length() <= 80 ? job : job.substring(0, 80) + "…";
        }
    }

    /**
     * When the oldest waiting job of a queue started waiting. Jobs carry no enqueue time (operators push bare
     * JSON), so it is read from what put them there: an unpack job waits since its batch was recorded, a
     * transcription job since its batch's hand-off, a result event since it was written.
     */
    private static Optional<Instant> oldestWaiting(Connections c, QueueKeys keys, ObjectMapper mapper) {
        String oldest = c.redis().lindex(keys.main(), -1);
        if (oldest == null) {
            return Optional.empty();
        }
        try {
            JsonNode job = mapper.readTree(oldest);
            if (job.hasNonNull("created_at") && job.hasNonNull("seq")) {
                return Optional.of(Instant.parse(job.get("created_at").asText()));
            }
            String batchId = job.path("batch_id").asText(null);
            if (batchId == null) {
                return Optional.empty();
            }
            Optional<BatchRecord> batch = new BatchRepository(c.database()).find(batchId);
            return batch.map(b -> keys.name().startsWith("transcribe:") && b.unpackedAt() != null ? b.unpackedAt() : b.createdAt());
        } catch (Exception e) {
            return Optional.empty(); // a hand-written job that is not JSON, or names no batch: its age is unknown
        }
    }
}
