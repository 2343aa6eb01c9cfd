package io.audiopipeline.transfer;

import io.audiopipeline.common.db.Database;
import java.sql.SQLException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * The {@code transfers} table: one record per source file version (source, size, modification time)
 * with the batch id it was given and its SHA-256 (for a source read in place, known once it is uploaded). Written before the upload, so a worker that crashes
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
        return db.withHandle(h -> bind(h.createQuery("SELECT batch_id, sha256, s3_key, enqueued_at IS NOT NULL AS enqueued FROM transfers "
                        + "WHERE source = :source AND size_bytes = :size AND modified_at = :modified"), source, file)
                .map(ConstructorMapper.of(Entry.class)).findOne());
    }

    /** Records the file's batch id (its SHA-256 follows once it is read); returns the entry in effect (an earlier one wins). */
    Entry record(String source, SourceFile file, String batchId, String s3Key) throws SQLException {
        db.withHandle(h -> bind(h.createUpdate("INSERT INTO transfers (source, size_bytes, modified_at, sha256, batch_id, s3_key) "
                        + "VALUES (:source, :size, :modified, NULL, :batch, :key) ON CONFLICT DO NOTHING"), source, file)
                .bind("batch", batchId).bind("key", s3Key).execute());
        return find(source, file).orElseThrow();
    }

    /** The SHA-256 of the bytes uploaded, for a record made before they were read (a source read in place). */
    void recordSha256(String source, SourceFile file, String sha256) throws SQLException {
        db.withHandle(h -> bind(h.createUpdate("UPDATE transfers SET sha256 = :sha WHERE source = :source AND size_bytes = :size "
                        + "AND modified_at = :modified AND sha256 IS NULL"), source, file)
                .bind("sha", sha256).execute());
    }

    void markEnqueued(String source, SourceFile file) throws SQLException {
        db.withHandle(h -> bind(h.createUpdate("UPDATE transfers SET enqueued_at = coalesce(enqueued_at, now()) "
                        + "WHERE source = :source AND size_bytes = :size AND modified_at = :modified"), source, file)
                .execute());
    }

    private static <S extends SqlStatement<S>> S bind(S statement, String source, SourceFile file) {
        return statement.bind("source", source + "/" + file.name())
                .bind("size", file.sizeBytes())
                // the database keeps microseconds at most; milliseconds compare equal on every file system
                .bind("modified", file.modifiedAt().truncatedTo(ChronoUnit.MILLIS));
    }
}
