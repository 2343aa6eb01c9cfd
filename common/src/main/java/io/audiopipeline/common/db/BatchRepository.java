package io.audiopipeline.common.db;

import io.audiopipeline.common.delivery.ResultEvents;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** The {@code batches} table. Every write is safe to repeat. */
public final class BatchRepository {
    private static final String COLUMNS = "batch_id, s3_key, original_filename, sha256, size_bytes, node, status, total_files, "
            + "processed_files, failed_files, error, transferred_at, created_at, unpacked_at, completed_at, updated_at, ignored_entries, "
            + "handed_off_at, finalized_at, claimed_by";

    private final Database db;

    public BatchRepository(Database db) {
        this.db = db;
    }

    /** Inserts the batch unless it exists; returns true when this call inserted it. */
    public boolean insertIfAbsent(String batchId, String s3Key, String originalFilename, String sha256, Long sizeBytes,
                                  Instant transferredAt) throws SQLException {
        return db.withHandle(h -> h.createUpdate("INSERT INTO batches (batch_id, s3_key, original_filename, sha256, size_bytes, "
                        + "transferred_at) VALUES (:id, :key, :name, :sha, :size, :at) ON CONFLICT (batch_id) DO NOTHING")
                .bind("id", batchId).bind("key", s3Key).bind("name", originalFilename).bind("sha", sha256)
                .bind("size", sizeBytes).bind("at", transferredAt)
                .execute() == 1);
    }

    /** The batch is being unpacked on {@code node} by {@code worker} (its Redis heartbeat says whether it still lives). */
    public void markUnpacking(String batchId, String node, String worker) throws SQLException {
        db.withHandle(h -> h.createUpdate("UPDATE batches SET status = 'unpacking', node = :node, claimed_by = :worker, updated_at = now() "
                        + "WHERE batch_id = :id AND status IN ('queued', 'unpacking', 'failed')")
                .bind("node", node).bind("worker", worker).bind("id", batchId).execute());
    }

    /** The batch can no longer complete; announced ({@code batch.failed}) in the same transaction when it was not failed before. */
    public void markFailed(String batchId, String error) throws SQLException {
        db.inTransaction(h -> {
            boolean moved = h.createUpdate("UPDATE batches SET status = 'failed', error = :error, updated_at = now() "
                            + "WHERE batch_id = :id AND status NOT IN ('completed', 'failed')")
                    .bind("error", error).bind("id", batchId).execute() == 1;
            if (moved) {
                ResultEvents.batchFailed(h, batchId);
            }
            return moved;
        });
    }

    public Optional<BatchRecord> find(String batchId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM batches WHERE batch_id = :id")
                .bind("id", batchId).map(ConstructorMapper.of(BatchRecord.class)).findOne());
    }

    /** Batches not completed, oldest first. */
    public List<BatchRecord> active() throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM batches WHERE status <> 'completed' ORDER BY created_at")
                .map(ConstructorMapper.of(BatchRecord.class)).list());
    }

    /**
     * Batches not completed, per status: how many, and the longest any of them has gone without progress
     * (no write to the batch or to one of its files), in seconds. That is the {@code batch_progress} view's
     * {@code last_progress_at}, computed here per open batch through the partial index on open batches:
     * the view groups every batch ever made before its status can be filtered, too much for each scrape.
     */
    public List<OpenBatches> openByStatus() throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT status, count(*) AS count, "
                        + "greatest(coalesce(extract(epoch FROM now() - min(last_progress_at)), 0), 0)::float8 AS longest_idle_seconds FROM ("
                        + "SELECT b.status, greatest(b.updated_at, (SELECT max(f.updated_at) FROM audio_files f WHERE f.batch_id = b.batch_id)) "
                        + "AS last_progress_at FROM batches b WHERE b.status <> 'completed') open GROUP BY status ORDER BY status")
                .map(ConstructorMapper.of(OpenBatches.class)).list());
    }
}
