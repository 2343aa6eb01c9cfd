package io.audiopipeline.common.db;

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

    /** Records a permanent failure of one file (creating its row when needed). */
    public AudioFileRecord markFailed(String batchId, String originalFilename, String error) throws SQLException {
        return db.withHandle(h -> h.createQuery("INSERT INTO audio_files (batch_id, original_filename, name_key, status, error) "
                        + "VALUES (:batch, :name, " + NAME_KEY + ", 'failed', :error) ON CONFLICT (batch_id, name_key) DO UPDATE "
                        + "SET status = CASE WHEN audio_files.status = 'completed' THEN audio_files.status ELSE 'failed' END, "
                        + "error = EXCLUDED.error, updated_at = now() RETURNING " + COLUMNS)
                .bind("batch", batchId).bind("name", originalFilename).bind("error", error).map(ROW).one());
    }

    public void markCompleted(UUID audioId, String s3Key, String sha256, long sizeBytes) throws SQLException {
        db.withHandle(h -> h.createUpdate("UPDATE audio_files SET status = 'completed', s3_key = :key, sha256 = :sha, size_bytes = :size, "
                        + "error = NULL, updated_at = now() WHERE audio_id = :id")
                .bind("key", s3Key).bind("sha", sha256).bind("size", sizeBytes).bind("id", audioId).execute());
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
