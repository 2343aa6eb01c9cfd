package io.audiopipeline.common.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.batch.LegacyHandOff;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.BatchJobSweeper;
import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.queue.DeadLetterStore;
import io.audiopipeline.common.queue.DeadLetters;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.batch.BatchRecovery;
import java.util.Optional;
import io.audiopipeline.common.worker.WorkerStatus;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import redis.clients.jedis.UnifiedJedis;

/**
 * One reconciliation: PostgreSQL's record against what Redis holds. Redis is read first (each queue in
 * one script), then the database, so a job settled in between is simply not pending any more; work handed
 * off less than {@link #GRACE} ago is left to the worker publishing it. Nothing queued or in flight (in a
 * processing list, or claimed in its row by a worker whose heartbeat lives) is published again.
 */
final class ReconcilePass {
    /** Work younger than this is still being published by its producer (a hand-off publishes right after its commit). */
    static final Duration GRACE = Duration.ofSeconds(10);
    /** A completion whose own work has not ended after this is finished by the reconciler. */
    static final Duration FINISH_AFTER = Duration.ofMinutes(2);

    private final Database db;
    private final UnifiedJedis redis;
    private final ObjectMapper json;
    private final JobCodec codec;
    private final JobPublisher publisher;
    private final BatchLedger ledger;
    private final BatchTracker mirror;
    private final LegacyHandOff legacy;
    private final BatchRecovery recovery;
    private final Repairs repairs;
    private final DeadLetterStore deadLetters;
    private final Duration keyTtl;
    private final Duration nodeLostAfter;
    /** Nodes with waiting work and no live GPU worker, since when (kept across passes by the leader). */
    private final Map<String, Instant> nodesWithoutWorkers = new HashMap<>();

    ReconcilePass(Database db, UnifiedJedis redis, JobCodec codec, BatchLedger ledger, BatchTracker mirror, LegacyHandOff legacy,
                  JobPublisher publisher, BatchRecovery recovery, Repairs repairs, Duration keyTtl, Duration nodeLostAfter) {
        this.db = db;
        this.redis = redis;
        this.json = codec.mapper();
        this.codec = codec;
        this.ledger = ledger;
        this.mirror = mirror;
        this.legacy = legacy;
        this.publisher = publisher;
        this.recovery = recovery;
        this.repairs = repairs;
        this.deadLetters = new DeadLetterStore(db);
        this.keyTtl = keyTtl;
        this.nodeLostAfter = nodeLostAfter;
    }

    /** Runs every check; {@code afterLoss}: Redis lost data, so the keys of recently completed batches are rewritten too. */
    void run(boolean afterLoss, Instant now) throws SQLException, IOException {
        settleBatches();
        requeueUnpack(now);
        republishTranscriptions(now);
        rewriteKeys(afterLoss, now);
        restoreDeadLetters();
    }

    /**
     * One query finds the batches to settle: handed off by an earlier release (adopted), counts that differ from
     * their files' states or every file settled (counted again, completed), completed with their work outside
     * the database unfinished (finished).
     */
    private void settleBatches() throws SQLException, IOException {
        List<String[]> found = db.withHandle(h -> h.createQuery("SELECT batch_id, CASE "
                        + "WHEN status = 'transcribing' AND handed_off_at IS NULL THEN 'legacy' "
                        + "WHEN status = 'completed' THEN 'finish' ELSE 'recount' END FROM batches b WHERE "
                        + "(status = 'transcribing' AND handed_off_at IS NULL) "
                        + "OR (status = 'completed' AND finalized_at IS NULL AND completed_at < now() - make_interval(secs => :finishAfter)) "
                        + "OR (status = 'transcribing' AND handed_off_at IS NOT NULL AND ("
                        + "b.processed_files <> (SELECT count(*) FROM audio_files f WHERE f.batch_id = b.batch_id AND f.status = 'completed') OR "
                        + "b.failed_files <> (SELECT count(*) FROM audio_files f WHERE f.batch_id = b.batch_id AND f.status = 'failed') OR "
                        + "b.processed_files + b.failed_files >= b.total_files)) ORDER BY created_at")
                .bind("finishAfter", FINISH_AFTER.toSeconds()).map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)}).list());
        for (String[] b : found) {
            String batchId = b[0];
            switch (b[1]) {
                case "legacy" -> {
                    if (legacy.adopt(batchId)) {
                        repairs.record("legacy_adopted", batchId, null, "handed off by an earlier release: its published jobs recorded as its files");
                    }
                }
                case "finish" -> {
                    ledger.resume(batchId);
                    repairs.record("completion_finished", batchId, null, "the worker that completed the batch did not finish its work outside the database");
                }
                default -> {
                    BatchLedger.Recount r = ledger.recount(batchId);
                    if (r.changed()) {
                        repairs.record("counts_recounted", batchId, null, r.before() + " -> " + r.after());
                    }
                    if (r.completed()) {
                        repairs.record("completion", batchId, null, "every file settled; completed now (" + r.after() + ")");
                    }
                }
            }
        }
    }

    /** An open dead letter (not re-queued or purged) that its list lost goes back on it, with its id. */
    private void restoreDeadLetters() throws SQLException {
        Map<String, List<DeadLetter>> open = new LinkedHashMap<>();
        for (DeadLetter d : deadLetters.open()) {
            open.computeIfAbsent(d.queue(), q -> new ArrayList<>()).add(d);
        }
        for (Map.Entry<String, List<DeadLetter>> q : open.entrySet()) {
            QueueKeys keys;
            try {
                keys = new QueueKeys(q.getKey());
            } catch (IllegalArgumentException e) {
                continue;
            }
            java.util.Set<String> listed = new java.util.HashSet<>();
            new DeadLetters(redis, keys, json).list(0, Integer.MAX_VALUE).forEach(d -> listed.add(d.id()));
            for (DeadLetter d : q.getValue()) {
                if (!listed.contains(d.id())) {
                    try {
                        redis.rpush(keys.dead(), json.writeValueAsString(d));
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                    repairs.record("dead_letter_restored", batchOf(d.payload()), null, "dead letter " + d.id() + " of " + keys.dead()
                            + " was lost from its list: put back (" + d.error() + ")");
                }
            }
        }
    }

    private String batchOf(String payload) {
        try {
            return json.readTree(payload).path("batch_id").asText(null);
        } catch (Exception e) {
            return null;
        }
    }

    private void requeueUnpack(Instant now) throws SQLException {
        QueueKeys unpack = QueueKeys.unpack();
        QueueSnapshot queued = QueueSnapshot.read(redis, unpack, json);
        List<UnpackRow> waiting = db.withHandle(h -> h.createQuery("SELECT batch_id, s3_key, original_filename, sha256, size_bytes, transferred_at, "
                        + "status, claimed_by FROM batches WHERE status IN ('queued', 'unpacking') AND created_at < :before ORDER BY created_at")
                .bind("before", now.minus(GRACE)).map((rs, ctx) -> new UnpackRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        (Long) rs.getObject(5), rs.getTimestamp(6) == null ? null : rs.getTimestamp(6).toInstant(), rs.getString(7), rs.getString(8)))
                .list());
        for (UnpackRow b : waiting) {
            if (queued.holdsBatch(b.batchId()) || holds(unpack, b.claimedBy(), b.batchId() + "/")) {
                continue;
            }
            UnpackJob job = new UnpackJob(b.batchId(), b.s3Key(), b.originalFilename(), b.transferredAt() == null ? now : b.transferredAt(),
                    b.sizeBytes(), b.sha256());
            publisher.republish(unpack, b.batchId(), List.of(Map.entry(b.batchId(), codec.encode(job))));
            repairs.record("unpack_requeued", b.batchId(), null, "its unpack job was in no queue, processing list or delayed set");
        }
    }

    private record UnpackRow(String batchId, String s3Key, String originalFilename, String sha256, Long sizeBytes, Instant transferredAt,
                             String status, String claimedBy) {
    }

    private record PendingRow(String batchId, String node, String s3Key, UUID audioId, String name, String opusPath, String sha256,
                              Double duration, String status, String claimedBy) {
    }

    /** Pending files whose job is nowhere are published again on their node's queue; a node without workers too long has its batches recovered. */
    private void republishTranscriptions(Instant now) throws SQLException, IOException {
        List<PendingRow> rows = db.withHandle(h -> h.createQuery("SELECT b.batch_id, b.node, b.s3_key, f.audio_id, f.original_filename, f.opus_path, "
                        + "f.sha256, f.duration_seconds, f.status, f.claimed_by FROM batches b JOIN audio_files f ON f.batch_id = b.batch_id "
                        + "WHERE b.status = 'transcribing' AND b.handed_off_at < :before AND b.node IS NOT NULL "
                        + "AND f.status IN ('pending', 'transcribing') AND f.opus_path IS NOT NULL ORDER BY b.created_at, f.original_filename")
                .bind("before", now.minus(GRACE))
                .map((rs, ctx) -> new PendingRow(rs.getString(1), rs.getString(2), rs.getString(3), UUID.fromString(rs.getString(4)), rs.getString(5),
                        rs.getString(6), rs.getString(7), (Double) rs.getObject(8), rs.getString(9), rs.getString(10)))
                .list());
        Map<String, List<PendingRow>> byNode = new LinkedHashMap<>();
        rows.forEach(r -> byNode.computeIfAbsent(r.node(), n -> new ArrayList<>()).add(r));
        nodesWithoutWorkers.keySet().retainAll(byNode.keySet());
        for (Map.Entry<String, List<PendingRow>> node : byNode.entrySet()) {
            QueueKeys queue = QueueKeys.transcribe(node.getKey());
            if (nodeLost(queue, node.getKey(), now)) {
                recoverBatches(queue, node.getKey(), node.getValue());
                continue;
            }
            QueueSnapshot queued = QueueSnapshot.read(redis, queue, json);
            Map<String, List<Map.Entry<String, String>>> lost = new LinkedHashMap<>();
            Map<String, List<PendingRow>> lostRows = new LinkedHashMap<>();
            for (PendingRow r : node.getValue()) {
                if (queued.holds(r.batchId(), r.name()) || holds(queue, r.claimedBy(), WorkerStatus.identity(r.batchId(), r.name()))) {
                    continue;
                }
                TranscriptionJob job = new TranscriptionJob(r.batchId(), r.opusPath(), r.name(), r.sha256(), r.duration());
                lost.computeIfAbsent(r.batchId(), b -> new ArrayList<>()).add(Map.entry(r.name(), codec.encode(job)));
                lostRows.computeIfAbsent(r.batchId(), b -> new ArrayList<>()).add(r);
            }
            for (Map.Entry<String, List<Map.Entry<String, String>>> batch : lost.entrySet()) {
                publisher.republish(queue, batch.getKey(), batch.getValue());
                for (PendingRow r : lostRows.get(batch.getKey())) {
                    repairs.record("job_republished", r.batchId(), r.audioId(), "'" + r.name() + "' was " + r.status()
                            + " with its job in no queue, processing list or delayed set: published again on " + queue.main());
                }
            }
        }
    }

    /** True once the node's queue has had no live worker for RECONCILE_NODE_LOST_AFTER while work waits for it. */
    private boolean nodeLost(QueueKeys queue, String node, Instant now) {
        boolean anyAlive = redis.smembers(queue.workers()).stream().anyMatch(w -> redis.exists(queue.heartbeat(w)));
        if (anyAlive) {
            nodesWithoutWorkers.remove(node);
            return false;
        }
        Instant since = nodesWithoutWorkers.computeIfAbsent(node, n -> now);
        return Duration.between(since, now).compareTo(nodeLostAfter) >= 0;
    }

    /** As {@code pipeline recover} does: the batch's stale jobs dropped from the lost node's queue, its unpack job re-queued for any node. */
    private void recoverBatches(QueueKeys queue, String node, List<PendingRow> rows) throws SQLException {
        Map<String, PendingRow> batches = new LinkedHashMap<>();
        rows.forEach(r -> batches.putIfAbsent(r.batchId(), r));
        for (PendingRow b : batches.values()) {
            String why = "node " + node + " has had no live GPU worker for " + nodeLostAfter.toSeconds() + " s";
            long dropped = new BatchJobSweeper(redis, json).removeBatch(queue, b.batchId());
            Optional<String> cannot = recovery.request(b.batchId(), why);
            if (cannot.isPresent()) {
                repairs.record("batch_unrecoverable", b.batchId(), null, why + " and the batch cannot be recovered: " + cannot.get());
            } else {
                repairs.record("batch_recovered", b.batchId(), null, why + ": " + dropped + " stale job(s) dropped, unpack job re-queued for any node "
                        + "(files already settled are not redone)");
            }
        }
        nodesWithoutWorkers.remove(node);
    }

    /**
     * The batch keys made to agree with the rows. An open batch's keys only move forward, to counts read just
     * before (a settlement committed meanwhile has already moved them further); a completed batch's counts are
     * final, so its keys are set exactly (those of batches completed in the last minutes, and after a loss all
     * whose keys have not expired yet).
     */
    private void rewriteKeys(boolean afterLoss, Instant now) throws SQLException {
        List<Object[]> rows = db.withHandle(h -> h.createQuery("SELECT batch_id, status = 'completed', completed_at FROM batches "
                        + "WHERE total_files IS NOT NULL AND status <> 'failed' AND (status <> 'completed' OR completed_at > :since)")
                .bind("since", now.minus(afterLoss ? keyTtl : RECENTLY_COMPLETED))
                .map((rs, ctx) -> new Object[] {rs.getString(1), rs.getBoolean(2), rs.getTimestamp(3) == null ? null : rs.getTimestamp(3).toInstant()})
                .list());
        // Redis first, then the rows: a count Redis holds above the row read after it was forged
        Map<String, BatchCounts> seen = new HashMap<>();
        for (Object[] r : rows) {
            seen.put((String) r[0], mirror.counts((String) r[0]));
        }
        Map<String, BatchCounts> truth = ledger.counts(new ArrayList<>(seen.keySet()));
        for (Object[] r : rows) {
            String batchId = (String) r[0];
            BatchCounts before = seen.get(batchId);
            Optional<BatchCounts> fresh = Optional.ofNullable(truth.get(batchId));
            if (fresh.isEmpty() || before.sameAs(fresh.get())) {
                continue;
            }
            BatchCounts counts = fresh.get();
            if ((Boolean) r[1]) {
                Duration ttl = keyTtl.minus(Duration.between((Instant) r[2], now));
                if (ttl.toMillis() <= 0) {
                    continue;
                }
                mirror.rewrite(counts, ttl);
            } else {
                mirror.correct(before, counts);
            }
            repairs.record("keys_rewritten", batchId, null, "Redis held total=" + before.total() + " processed=" + before.processed()
                    + " failed=" + before.failed() + "; the row holds total=" + counts.total() + " processed=" + counts.processed()
                    + " failed=" + counts.failed());
        }
    }

    /** Completed batches whose keys every pass checks (after a loss: every batch whose keys have not expired). */
    private static final Duration RECENTLY_COMPLETED = Duration.ofMinutes(10);

    /**
     * Whether {@code worker} lives and its heartbeat says it holds the job ({@code identity}, or for an unpack job
     * any job of the batch: a prefix ending in '/'): such a job is in flight even where Redis lost its lists.
     */
    private boolean holds(QueueKeys queue, String worker, String identity) {
        if (worker == null) {
            return false;
        }
        String beat = redis.get(queue.heartbeat(worker));
        if (beat == null) {
            return false;
        }
        try {
            for (com.fasterxml.jackson.databind.JsonNode held : json.readTree(beat).path("holds")) {
                String id = held.asText();
                if (identity.endsWith("/") ? id.startsWith(identity) : id.equals(identity)) {
                    return true;
                }
            }
        } catch (Exception unreadable) {
            return false;
        }
        return false;
    }
}
