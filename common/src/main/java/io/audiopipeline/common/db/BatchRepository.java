package io.audiopipeline.common.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code batches} table. Every write is safe to repeat. */
public final class BatchRepository {
    private static final String COLUMNS = "batch_id, s3_key, original_filename, sha256, size_bytes, node, status, total_files, "
            + "processed_files, failed_files, error, transferred_at, created_at, unpacked_at, completed_at, updated_at, ignored_entries";

    private final Database db;

    public BatchRepository(Database db) {
        this.db = db;
    }

    /** Inserts the batch unless it exists; returns true when this call inserted it. */
    public boolean insertIfAbsent(Connection c, String batchId, String s3Key, String originalFilename, String sha256,
                                  Long sizeBytes, Instant transferredAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO batches (batch_id, s3_key, original_filename, sha256, size_bytes, "
                + "transferred_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (batch_id) DO NOTHING")) {
            ps.setString(1, batchId);
            ps.setString(2, s3Key);
            ps.setString(3, originalFilename);
            ps.setString(4, sha256);
            if (sizeBytes == null) {
                ps.setNull(5, Types.BIGINT);
            } else {
                ps.setLong(5, sizeBytes);
            }
            ps.setTimestamp(6, transferredAt == null ? null : Timestamp.from(transferredAt));
            return ps.executeUpdate() == 1;
        }
    }

    public boolean insertIfAbsent(String batchId, String s3Key, String originalFilename, String sha256, Long sizeBytes,
                                  Instant transferredAt) throws SQLException {
        return db.withConnection(c -> insertIfAbsent(c, batchId, s3Key, originalFilename, sha256, sizeBytes, transferredAt));
    }

    public void markUnpacking(String batchId, String node) throws SQLException {
        update("UPDATE batches SET status = 'unpacking', node = ?, updated_at = now() WHERE batch_id = ? AND status IN ('queued', 'unpacking', 'failed')",
                node, batchId);
    }

    public void markUnpacked(String batchId, int totalFiles, int failedFiles, String node) throws SQLException {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET status = CASE WHEN status = 'completed' THEN status ELSE 'transcribing' END, "
                    + "total_files = ?, failed_files = greatest(failed_files, ?), node = ?, unpacked_at = coalesce(unpacked_at, now()), "
                    + "updated_at = now() WHERE batch_id = ?")) {
                ps.setInt(1, totalFiles);
                ps.setInt(2, failedFiles);
                ps.setString(3, node);
                ps.setString(4, batchId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public void markCompleted(String batchId, long processed, long failed) throws SQLException {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET status = 'completed', processed_files = ?, failed_files = ?, "
                    + "completed_at = coalesce(completed_at, now()), updated_at = now() WHERE batch_id = ?")) {
                ps.setLong(1, processed);
                ps.setLong(2, failed);
                ps.setString(3, batchId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public void markFailed(String batchId, String error) throws SQLException {
        update("UPDATE batches SET status = 'failed', error = ?, updated_at = now() WHERE batch_id = ? AND status <> 'completed'", error, batchId);
    }

    public Optional<BatchRecord> find(String batchId) throws SQLException {
        List<BatchRecord> rows = query("SELECT " + COLUMNS + " FROM batches WHERE batch_id = ?", batchId);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** Batches not completed, oldest first. */
    public List<BatchRecord> active() throws SQLException {
        return query("SELECT " + COLUMNS + " FROM batches WHERE status <> 'completed' ORDER BY created_at");
    }

    /**
     * Batches not completed, per status: how many, and the longest any of them has gone without progress
     * (no write to the batch or to one of its files), in seconds. That is the {@code batch_progress} view's
     * {@code last_progress_at}, computed here per open batch through the partial index on open batches:
     * the view groups every batch ever made before its status can be filtered, too much for each scrape.
     */
    public List<OpenBatches> openByStatus() throws SQLException {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT status, count(*), "
                    + "coalesce(extract(epoch FROM now() - min(last_progress_at)), 0) FROM ("
                    + "SELECT b.status, greatest(b.updated_at, (SELECT max(f.updated_at) FROM audio_files f WHERE f.batch_id = b.batch_id)) "
                    + "AS last_progress_at FROM batches b WHERE b.status <> 'completed') open GROUP BY status ORDER BY status");
                 ResultSet rs = ps.executeQuery()) {
                List<OpenBatches> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(new OpenBatches(rs.getString(1), rs.getLong(2), Math.max(0, rs.getDouble(3))));
                }
                return rows;
            }
        });
    }

    private void update(String sql, String... params) throws SQLException {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setString(i + 1, params[i]);
                }
                ps.executeUpdate();
            }
            return null;
        });
    }

    private List<BatchRecord> query(String sql, String... params) throws SQLException {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setString(i + 1, params[i]);
                }
                List<BatchRecord> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new BatchRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                (Long) rs.getObject(5), rs.getString(6), rs.getString(7), (Integer) rs.getObject(8),
                                rs.getInt(9), rs.getInt(10), rs.getString(11), instant(rs, 12), instant(rs, 13),
                                instant(rs, 14), instant(rs, 15), instant(rs, 16), rs.getInt(17)));
                    }
                }
                return rows;
            }
        });
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
