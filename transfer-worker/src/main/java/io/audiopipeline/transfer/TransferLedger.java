package io.audiopipeline.transfer;

import io.audiopipeline.common.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;

/**
 * The {@code transfers} table: one record per source file version (source, size, modification time)
 * with the batch id it was given and its SHA-256. Written before the upload, so a worker that crashes
 * resumes with the same batch id; marked enqueued after the job is on the queue, so a kept source file
 * is never transferred again.
 */
final class TransferLedger {
    record Entry(String batchId, String sha256, String s3Key, boolean enqueued) {
    }

    private final Database db;

    TransferLedger(Database db) {
        this.db = db;
    }

    Optional<Entry> find(String source, SourceFile file) throws SQLException {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT batch_id, sha256, s3_key, enqueued_at IS NOT NULL FROM transfers "
                    + "WHERE source = ? AND size_bytes = ? AND modified_at = ?")) {
                bind(ps, source, file);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Entry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)))
                            : Optional.empty();
                }
            }
        });
    }

    /** Records the file's batch id; returns the entry in effect (an earlier one wins). */
    Entry record(String source, SourceFile file, String batchId, String sha256, String s3Key) throws SQLException {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO transfers (source, size_bytes, modified_at, sha256, batch_id, s3_key) "
                    + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                bind(ps, source, file);
                ps.setString(4, sha256);
                ps.setString(5, batchId);
                ps.setString(6, s3Key);
                ps.executeUpdate();
            }
            return null;
        });
        return find(source, file).orElseThrow();
    }

    void markEnqueued(String source, SourceFile file) throws SQLException {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE transfers SET enqueued_at = coalesce(enqueued_at, now()) "
                    + "WHERE source = ? AND size_bytes = ? AND modified_at = ?")) {
                bind(ps, source, file);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private static void bind(PreparedStatement ps, String source, SourceFile file) throws SQLException {
        ps.setString(1, source + "/" + file.name());
        ps.setLong(2, file.sizeBytes());
        // the database keeps microseconds at most; milliseconds compare equal on every file system
        ps.setTimestamp(3, Timestamp.from(file.modifiedAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
    }
}
