package io.audiopipeline.transfer;

import io.audiopipeline.common.db.Database;
import java.sql.SQLException;
import java.time.Instant;

/**
 * The {@code transfer_failures} table: a source file version whose transfer failed, with the last error and how
 * many attempts, until it is transferred. What {@code pipeline status} and the web view show; it outlives a
 * restart of the transfer worker (the retry itself is due again at once after one).
 */
final class TransferFailures {
    private final Database db;
    private final String source;
    private final String worker;

    TransferFailures(Database db, String source, String worker) {
        this.db = db;
        this.source = source;
        this.worker = worker;
    }

    void failed(SourceFile file, String error, Instant nextAttempt) throws SQLException {
        db.withHandle(h -> h.createUpdate("INSERT INTO transfer_failures (source, name, size_bytes, modified_at, error, worker, next_attempt_at) "
                        + "VALUES (:source, :name, :size, :mtime, :error, :worker, :next) ON CONFLICT (source, size_bytes, modified_at) DO UPDATE "
                        + "SET attempts = CASE WHEN transfer_failures.resolved_at IS NULL THEN transfer_failures.attempts + 1 ELSE 1 END, "
                        + "error = EXCLUDED.error, worker = EXCLUDED.worker, last_failed_at = now(), next_attempt_at = EXCLUDED.next_attempt_at, "
                        + "resolved_at = NULL")
                .bind("source", source + "/" + file.name()).bind("name", file.name()).bind("size", file.sizeBytes())
                .bind("mtime", file.modifiedAt()).bind("error", error).bind("worker", worker).bind("next", nextAttempt).execute());
    }

    void transferred(SourceFile file) throws SQLException {
        db.withHandle(h -> h.createUpdate("UPDATE transfer_failures SET resolved_at = now() WHERE source = :source AND size_bytes = :size "
                        + "AND modified_at = :mtime AND resolved_at IS NULL")
                .bind("source", source + "/" + file.name()).bind("size", file.sizeBytes()).bind("mtime", file.modifiedAt()).execute());
    }
}
