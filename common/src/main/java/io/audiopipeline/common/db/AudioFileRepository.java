package io.audiopipeline.common.db;

import io.audiopipeline.common.delivery.Outbox;
import io.audiopipeline.common.delivery.ResultEvents;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** The {@code audio_files} table: one row per recording, keyed by (batch_id, original_filename) through the name's SHA-256. */
public final class AudioFileRepository {
    private static final String COLUMNS = "audio_id, batch_id, original_filename, s3_key, sha256, size_bytes, duration_seconds, "
            + "status, error, attempts, created_at, updated_at, no_speech";
    /** A file's identity in its batch, whatever the length of its name (see schema.sql). */
    private static final String NAME_KEY = "encode(sha256(convert_to(:name, 'UTF8')), 'hex')";
    private static final RowMapper<AudioFileRecord> ROW = ConstructorMapper.of(AudioFileRecord.class);

    private final Database db;

    public AudioFileRepository(Database db) {
        this.db = db;
    }

    /**
     * Returns the file's row, creating it on first sight; a repeated call returns the same
     * {@code audio_id} and counts one more attempt.
     */
    public AudioFileRecord register(String batchId, String originalFilename) throws SQLException {
        return db.withHandle(h -> h.createQuery("INSERT INTO audio_files (batch_id, original_filename, name_key, attempts) "
                        + "VALUES (:batch, :name, " + NAME_KEY + ", 1) "
                        + "ON CONFLICT (batch_id, name_key) DO UPDATE SET attempts = audio_files.attempts + 1, updated_at = now() "
                        + "RETURNING " + COLUMNS)
                .bind("batch", batchId).bind("name", originalFilename).map(ROW).one());
    }

    /**
     * Records a permanent failure of one file (creating its row when needed), and announces it
     * ({@code file.failed}) in the same transaction when the file was not failed or completed before.
     */
    public AudioFileRecord markFailed(String batchId, String originalFilename, String error) throws SQLException {
        return db.inTransaction(h -> {
            Outbox.lockBatch(h, batchId);
            String before = h.createQuery("SELECT status FROM audio_files WHERE batch_id = :batch AND name_key = " + NAME_KEY)
                    .bind("batch", batchId).bind("name", originalFilename).mapTo(String.class).findOne().orElse(null);
            AudioFileRecord row = h.createQuery("INSERT INTO audio_files (batch_id, original_filename, name_key, status, error) "
                            + "VALUES (:batch, :name, " + NAME_KEY + ", 'failed', :error) ON CONFLICT (batch_id, name_key) DO UPDATE "
                            + "SET status = CASE WHEN audio_files.status = 'completed' THEN audio_files.status ELSE 'failed' END, "
                            + "error = EXCLUDED.error, updated_at = now() RETURNING " + COLUMNS)
                    .bind("batch", batchId).bind("name", originalFilename).bind("error", error).map(ROW).one();
            if (!"failed".equals(before) && !"completed".equals(before)) {
                ResultEvents.fileFailed(h, batchId, row.audioId());
            }
            return row;
        });
    }

    /** The file is processed: its Opus object is stored. Announced ({@code file.processed}) in the same transaction, once. */
    public void markCompleted(String batchId, UUID audioId, String s3Key, String sha256, long sizeBytes) throws SQLException {
        db.inTransaction(h -> {
            Outbox.lockBatch(h, batchId);
            boolean moved = h.createUpdate("UPDATE audio_files SET status = 'completed', s3_key = :key, sha256 = :sha, size_bytes = :size, "
                            + "error = NULL, updated_at = now() WHERE audio_id = :id AND batch_id = :batch AND status <> 'completed'")
                    .bind("batch", batchId).bind("key", s3Key).bind("sha", sha256).bind("size", sizeBytes).bind("id", audioId).execute() == 1;
            if (moved) {
                ResultEvents.fileProcessed(h, batchId, audioId);
            }
            return moved;
        });
    }

    public Optional<AudioFileRecord> find(UUID audioId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM audio_files WHERE audio_id = :id")
                .bind("id", audioId).map(ROW).findOne());
    }

    public List<AudioFileRecord> byBatch(String batchId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM audio_files WHERE batch_id = :batch ORDER BY original_filename")
                .bind("batch", batchId).map(ROW).list());
    }
}
