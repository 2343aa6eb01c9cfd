package io.audiopipeline.common.batch;

import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.delivery.Outbox;
import io.audiopipeline.common.delivery.ResultEvents;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a batch's counts move and its completion is decided, in PostgreSQL. The hand-off writes
 * every recording's row and the total in one transaction; each file's result (processed or failed) and,
 * for the batch's last file, the batch's completion with its {@code batch.completed} event commit together
 * under the batch row's lock. A file is counted only by the transaction that moves its row out of
 * pending, so counts are exact and exactly one transaction completes the batch, whatever Redis holds.
 * After each commit the Redis keys are moved forward ({@link BatchTracker#mirror}); the completion's work
 * outside the database follows ({@link BatchCompletion}).
 */
public final class BatchLedger {
    private static final Logger log = LoggerFactory.getLogger(BatchLedger.class);
    /** A file's identity within its batch (see schema.sql). */
    static final String NAME_KEY = "encode(sha256(convert_to(:name, 'UTF8')), 'hex')";
    private static final String COUNTS = "batch_id, total_files, processed_files, failed_files, s3_key, node, status";

    private final Database db;
    private final EventLog events;
    private final BatchTracker mirror;
    private final BatchCompletion completion;

    public BatchLedger(Database db, EventLog events, BatchTracker mirror, BatchCompletion completion) {
        this.db = db;
        this.events = events;
        this.mirror = mirror;
        this.completion = completion;
    }

    /** The ledger of a worker: its Redis mirror and its completion's work on this node. */
    public static BatchLedger wire(Database db, redis.clients.jedis.UnifiedJedis redis, EventLog events, io.audiopipeline.common.storage.ObjectStore store,
                                   java.nio.file.Path scratchRoot, ArchiveRetention retention, java.time.Duration keyTtl) {
        BatchTracker mirror = new BatchTracker(redis);
        return new BatchLedger(db, events, mirror, new BatchCompletion(db, mirror, store, scratchRoot, retention, keyTtl));
    }

    /** One recording of a hand-off: converted (its Opus file on this node) or failed with its reason. */
    public record FileEntry(String name, String opusPath, String sha256, Double durationSeconds, String failure) {
    }

    /** A recording still to transcribe, as its row holds it. */
    public record PendingFile(UUID audioId, String name, String opusPath, String sha256, Double durationSeconds) {
    }

    /** What the hand-off committed: the batch's counts, whether it completed, the files still to transcribe. */
    public record HandOffResult(BatchCounts counts, boolean completedNow, int newlyFailed, List<PendingFile> pending) {
    }

    /**
     * The hand-off's one transaction: a row for every recording (pending with its Opus path and SHA-256, or
     * failed with its reason), the batch's total, node and status, the {@code file.failed} events, and the
     * completion when nothing is left to transcribe. A redelivered hand-off inserts nothing twice and counts
     * nothing twice (rows already there are kept; a pending one takes the new path, for a batch unpacked
     * again on another node).
     */
    public HandOffResult handOff(String batchId, String s3Key, String node, List<FileEntry> entries) throws IOException, SQLException {
        return handOff(batchId, s3Key, node, entries, h -> { });
    }

    /** What a hand-off writes besides the files, in its transaction (the archive's ignored entries, its audit event). */
    @FunctionalInterface
    public interface AlsoWrite {
        void write(Handle h);
    }

    /** {@link #handOff} with {@code also} written in the same transaction. */
    public HandOffResult handOff(String batchId, String s3Key, String node, List<FileEntry> entries, AlsoWrite also) throws IOException, SQLException {
        HandOffResult result = db.inTransaction(h -> {
            if (!Outbox.lockBatch(h, batchId)) {
                throw new SQLException("batch " + batchId + " has no row: its hand-off cannot be recorded", "23503");
            }
            also.write(h);
            List<UUID> failedNow = insertRows(h, batchId, entries, HAND_OFF_CONFLICT);
            for (UUID audioId : failedNow) {
                events.record(h, batchId, audioId, "conversion_failed", null);
                ResultEvents.fileFailed(h, batchId, audioId);
            }
            h.createUpdate("UPDATE batches SET total_files = coalesce(total_files, :total), failed_files = failed_files + :failed, "
                            + "status = CASE WHEN status = 'completed' THEN status ELSE 'transcribing' END, node = :node, s3_key = :key, "
                            + "unpacked_at = coalesce(unpacked_at, now()), handed_off_at = coalesce(handed_off_at, now()), updated_at = now() "
                            + "WHERE batch_id = :id")
                    .bind("total", entries.size()).bind("failed", failedNow.size()).bind("node", node).bind("key", s3Key).bind("id", batchId)
                    .execute();
            boolean completed = completeIfDone(h, batchId);
            List<PendingFile> pending = h.createQuery("SELECT audio_id, original_filename AS name, opus_path, sha256, duration_seconds "
                            + "FROM audio_files WHERE batch_id = :id AND status IN ('pending', 'transcribing') ORDER BY original_filename")
                    .bind("id", batchId).map((rs, ctx) -> new PendingFile(UUID.fromString(rs.getString(1)), rs.getString(2), rs.getString(3),
                            rs.getString(4), (Double) rs.getObject(5))).list();
            return new HandOffResult(counts(h, batchId).orElseThrow(), completed, failedNow.size(), pending);
        });
        afterCommit(result.counts(), result.completedNow());
        return result;
    }

    /**
     * A row already there is kept; a pending one takes the new file (path, SHA-256, duration: a batch unpacked again,
     * on another node or after its scratch volume was lost, has new Opus files, whose bytes differ from the first ones).
     */
    private static final String HAND_OFF_CONFLICT = "ON CONFLICT (batch_id, name_key) DO UPDATE SET opus_path = EXCLUDED.opus_path, "
            + "sha256 = EXCLUDED.sha256, duration_seconds = EXCLUDED.duration_seconds, updated_at = now() "
            + "WHERE f.status IN ('pending', 'transcribing') AND EXCLUDED.status = 'pending' "
            + "AND (f.opus_path, f.sha256) IS DISTINCT FROM (EXCLUDED.opus_path, EXCLUDED.sha256) ";
    /** A row an older release wrote (when the file's transcription began, or failed) keeps its state and gains its path. */
    private static final String ADOPT_CONFLICT = "ON CONFLICT (batch_id, name_key) DO UPDATE SET opus_path = EXCLUDED.opus_path "
            + "WHERE f.opus_path IS NULL ";

    /**
     * A batch an older release handed off (its files' rows written only as their transcription began, its
     * counts kept in Redis): its published jobs become pending rows, its counts are counted from the rows
     * (which that release wrote before Redis's), and it completes if nothing is left. Once: a batch with its
     * hand-off recorded is left alone. Returns true when this call adopted it.
     */
    public boolean adopt(String batchId, List<FileEntry> published) throws IOException, SQLException {
        Settled s = db.inTransaction(h -> {
            if (!Outbox.lockBatch(h, batchId)) {
                return Settled.NONE;
            }
            boolean open = h.createQuery("SELECT handed_off_at IS NULL AND status = 'transcribing' FROM batches WHERE batch_id = :id")
                    .bind("id", batchId).mapTo(Boolean.class).one();
            if (!open) {
                return Settled.NONE;
            }
            insertRows(h, batchId, published, ADOPT_CONFLICT);
            String recount = h.createQuery("UPDATE batches b SET handed_off_at = now(), updated_at = now(), "
                            + "total_files = greatest(coalesce(b.total_files, 0), (SELECT count(*) FROM audio_files f WHERE f.batch_id = b.batch_id)), "
                            + "processed_files = (SELECT count(*) FROM audio_files f WHERE f.batch_id = b.batch_id AND f.status = 'completed'), "
                            + "failed_files = (SELECT count(*) FROM audio_files f WHERE f.batch_id = b.batch_id AND f.status = 'failed') "
                            + "WHERE batch_id = :id RETURNING 'total=' || total_files || ' processed=' || processed_files || ' failed=' || failed_files")
                    .bind("id", batchId).mapTo(String.class).one();
            events.record(h, batchId, null, "legacy_hand_off_adopted", published.size() + " published jobs; " + recount);
            return settled(h, batchId);
        });
        afterCommit(s);
        return s.counts() != null;
    }

    /** Every entry's row in one statement; returns the rows inserted failed now (each needs its event). */
    private static List<UUID> insertRows(Handle h, String batchId, List<FileEntry> entries, String onConflict) {
        if (entries.isEmpty()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        List<String> sums = new ArrayList<>();
        List<Double> durations = new ArrayList<>();
        for (FileEntry e : entries) {
            names.add(e.name());
            failures.add(e.failure());
            paths.add(e.failure() == null ? e.opusPath() : null);
            sums.add(e.failure() == null ? e.sha256() : null);
            durations.add(e.durationSeconds());
        }
        return h.createQuery("INSERT INTO audio_files AS f (batch_id, original_filename, name_key, status, error, opus_path, sha256, duration_seconds) "
                        + "SELECT :batch, n, encode(sha256(convert_to(n, 'UTF8')), 'hex'), CASE WHEN e IS NULL THEN 'pending' ELSE 'failed' END, "
                        + "e, p, s, d FROM unnest(:names, :failures, :paths, :sums, :durations) AS t(n, e, p, s, d) "
                        + onConflict + "RETURNING audio_id, status, (xmax = 0) AS inserted")
                .bind("batch", batchId)
                .bindArray("names", String.class, names).bindArray("failures", String.class, failures)
                .bindArray("paths", String.class, paths).bindArray("sums", String.class, sums)
                .bindArray("durations", Double.class, durations)
                .map((rs, ctx) -> rs.getBoolean(3) && "failed".equals(rs.getString(2)) ? UUID.fromString(rs.getString(1)) : null)
                .list().stream().filter(java.util.Objects::nonNull).toList();
    }

    /** The file is transcribed and its Opus object stored: counted processed, and the batch completed when it was the last. */
    public Outcome processed(String batchId, UUID audioId, String s3Key, String sha256, long sizeBytes) throws IOException, SQLException {
        Settled s = db.inTransaction(h -> {
            if (!Outbox.lockBatch(h, batchId)) {
                return Settled.NONE;
            }
            // the row moves out of pending (or out of failed, while its batch is open) once: only that transaction counts it
            Optional<String> before = h.createQuery("WITH prev AS (SELECT f.audio_id, f.status FROM audio_files f JOIN batches b USING (batch_id) "
                            + "WHERE f.audio_id = :id AND f.batch_id = :batch AND (f.status NOT IN ('completed', 'failed') "
                            + "OR (f.status = 'failed' AND b.status <> 'completed'))) "
                            + "UPDATE audio_files f SET status = 'completed', s3_key = :key, sha256 = :sha, size_bytes = :size, error = NULL, "
                            + "updated_at = now() FROM prev WHERE f.audio_id = prev.audio_id RETURNING prev.status")
                    .bind("id", audioId).bind("batch", batchId).bind("key", s3Key).bind("sha", sha256).bind("size", sizeBytes)
                    .mapTo(String.class).findOne();
            if (before.isEmpty()) {
                return Settled.NONE;
            }
            Settled settled = count(h, batchId, 1, "failed".equals(before.get()) ? -1 : 0);
            ResultEvents.fileProcessed(h, batchId, audioId);
            announceCompletion(h, settled);
            return settled;
        });
        return afterCommit(s);
    }

    /**
     * Moves the batch row's counts by {@code processed} and {@code failed} and, when every file of its hand-off is
     * settled now, the batch to completed, in one statement under the row's lock. A file is counted only by the
     * transaction that moved it out of pending, and no file is pending in a completed batch: a batch completed by
     * this statement was not completed before it.
     */
    private static Settled count(Handle h, String batchId, int processed, int failed) {
        String done = "status NOT IN ('completed', 'failed') AND handed_off_at IS NOT NULL AND total_files IS NOT NULL "
                + "AND processed_files + failed_files + :dp + :df >= total_files";
        return h.createQuery("UPDATE batches SET processed_files = processed_files + :dp, failed_files = failed_files + :df, updated_at = now(), "
                        + "completed_at = CASE WHEN " + done + " THEN coalesce(completed_at, now()) ELSE completed_at END, "
                        + "status = CASE WHEN " + done + " THEN 'completed' ELSE status END WHERE batch_id = :id RETURNING " + COUNTS)
                .bind("dp", processed).bind("df", failed).bind("id", batchId)
                .map((rs, ctx) -> {
                    BatchCounts c = countsRow(rs, ctx);
                    return new Settled(c, c.completed() ? Outcome.COMPLETED : Outcome.COUNTED);
                })
                .one();
    }

    /** The completion's audit event and {@code batch.completed}, in the transaction that completed the batch. */
    private void announceCompletion(Handle h, Settled settled) {
        if (settled.outcome() == Outcome.COMPLETED) {
            BatchCounts c = settled.counts();
            events.record(h, c.batchId(), null, "batch_completed", "processed=" + c.processed() + " failed=" + c.failed() + " total=" + c.total());
            ResultEvents.batchCompleted(h, c.batchId());
        }
    }

    /**
     * The file failed for good (its reason kept in its row): counted failed, and the batch completed when it
     * was the last. A file the hand-off did not record is not counted.
     */
    public Outcome failed(String batchId, String name, String reason) throws IOException, SQLException {
        Settled s = db.inTransaction(h -> {
            if (!Outbox.lockBatch(h, batchId)) {
                return Settled.NONE;
            }
            Optional<UUID> moved = h.createQuery("UPDATE audio_files SET status = 'failed', error = :error, updated_at = now() "
                            + "WHERE batch_id = :batch AND name_key = " + NAME_KEY + " AND status IN ('pending', 'transcribing', 'transcribed') "
                            + "RETURNING audio_id")
                    .bind("error", reason).bind("batch", batchId).bind("name", name).mapTo(UUID.class).findOne();
            if (moved.isEmpty()) {
                return Settled.NONE;
            }
            Settled settled = count(h, batchId, 0, 1);
            ResultEvents.fileFailed(h, batchId, moved.get());
            announceCompletion(h, settled);
            return settled;
        });
        return afterCommit(s);
    }

    /** What {@link #recount} found and did. */
    public record Recount(String before, String after, boolean changed, boolean completed) {
    }

    /**
     * The reconciler's repair of a batch whose row's counts differ from its files' states (a settlement an
     * earlier release made without counting it): the counts taken from the rows, and the completion when every
     * file is settled, in one transaction under the batch row's lock.
     */
    public Recount recount(String batchId) throws IOException, SQLException {
        Object[] r = db.inTransaction(h -> {
            if (!Outbox.lockBatch(h, batchId)) {
                return null;
            }
            String before = describe(counts(h, batchId).orElseThrow());
            h.createUpdate("UPDATE batches b SET "
                            + "processed_files = (SELECT count(*) FROM audio_files f WHERE f.batch_id = b.batch_id AND f.status = 'completed'), "
                            + "failed_files = (SELECT count(*) FROM audio_files f WHERE f.batch_id = b.batch_id AND f.status = 'failed') "
                            + "WHERE batch_id = :id AND status = 'transcribing'")
                    .bind("id", batchId).execute();
            Settled settled = settled(h, batchId);
            return new Object[] {before, settled};
        });
        if (r == null) {
            return new Recount("", "", false, false);
        }
        Settled settled = (Settled) r[1];
        afterCommit(settled);
        String after = describe(settled.counts());
        return new Recount((String) r[0], after, !after.equals(r[0]), settled.outcome() == Outcome.COMPLETED);
    }

    private static String describe(BatchCounts c) {
        return "total=" + c.total() + " processed=" + c.processed() + " failed=" + c.failed();
    }

    /**
     * For a redelivered job: a completed batch whose work outside the database never ran to its end (the
     * worker that completed it died) has it run now. Idempotent.
     */
    public void resume(String batchId) throws IOException, SQLException {
        Optional<BatchCounts> counts = counts(batchId);
        if (counts.isPresent() && counts.get().completed() && !completion.finalized(batchId)) {
            completion.finish(counts.get());
        }
    }

    public Optional<BatchCounts> counts(String batchId) throws SQLException {
        return db.withHandle(h -> counts(h, batchId));
    }

    /** The counts of many batches in one query. */
    public java.util.Map<String, BatchCounts> counts(List<String> batchIds) throws SQLException {
        java.util.Map<String, BatchCounts> out = new java.util.HashMap<>();
        if (batchIds.isEmpty()) {
            return out;
        }
        db.withHandle(h -> h.createQuery("SELECT " + COUNTS + " FROM batches WHERE batch_id = ANY(:ids)").bindArray("ids", String.class, batchIds)
                .map(BatchLedger::countsRow).list()).forEach(c -> out.put(c.batchId(), c));
        return out;
    }

    private static BatchCounts countsRow(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws SQLException {
        return new BatchCounts(rs.getString(1), (Long) (rs.getObject(2) == null ? null : rs.getLong(2)), rs.getLong(3), rs.getLong(4),
                rs.getString(5), rs.getString(6), "completed".equals(rs.getString(7)));
    }

    private static Optional<BatchCounts> counts(Handle h, String batchId) {
        return h.createQuery("SELECT " + COUNTS + " FROM batches WHERE batch_id = :id").bind("id", batchId).map(BatchLedger::countsRow).findOne();
    }

    private static boolean isCompleted(Handle h, String batchId) {
        return h.createQuery("SELECT status = 'completed' FROM batches WHERE batch_id = :id").bind("id", batchId).mapTo(Boolean.class).one();
    }

    /**
     * Under the batch row's lock: moves the batch to completed when every file of its hand-off is settled,
     * with its audit event and {@code batch.completed}. Only the transaction that moves it writes them.
     */
    private boolean completeIfDone(Handle h, String batchId) {
        Optional<String> done = h.createQuery("UPDATE batches SET status = 'completed', completed_at = coalesce(completed_at, now()), "
                        + "updated_at = now() WHERE batch_id = :id AND status NOT IN ('completed', 'failed') AND handed_off_at IS NOT NULL "
                        + "AND total_files IS NOT NULL AND processed_files + failed_files >= total_files "
                        + "RETURNING 'processed=' || processed_files || ' failed=' || failed_files || ' total=' || total_files")
                .bind("id", batchId).mapTo(String.class).findOne();
        if (done.isEmpty()) {
            return false;
        }
        events.record(h, batchId, null, "batch_completed", done.get());
        ResultEvents.batchCompleted(h, batchId);
        return true;
    }

    private Settled settled(Handle h, String batchId) {
        boolean completed = completeIfDone(h, batchId);
        return new Settled(counts(h, batchId).orElseThrow(), completed ? Outcome.COMPLETED : Outcome.COUNTED);
    }

    private record Settled(BatchCounts counts, Outcome outcome) {
        static final Settled NONE = new Settled(null, Outcome.ALREADY_COUNTED);
    }

    private Outcome afterCommit(Settled s) throws IOException, SQLException {
        if (s.counts() != null) {
            afterCommit(s.counts(), s.outcome() == Outcome.COMPLETED);
        }
        return s.outcome();
    }

    /** The mirror moves forward (a Redis that fails here is repaired by the reconciler); a completion's own work follows. */
    private void afterCommit(BatchCounts counts, boolean completedNow) throws IOException, SQLException {
        try {
            mirror.mirror(counts, completedNow ? completion.keyTtl() : null);
        } catch (RuntimeException e) {
            log.warn("batch {}: the Redis batch keys were not updated ({}); the reconciler rewrites them from the database", counts.batchId(),
                    e.toString());
        }
        if (completedNow) {
            completion.finish(counts);
        }
    }
}
