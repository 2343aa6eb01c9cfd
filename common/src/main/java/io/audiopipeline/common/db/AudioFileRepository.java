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
            + "status, error, attempts, created_at, updated_at, no_speech, opus_path, claimed_by";
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
     * A transcription job's claim on its file's row (written by the hand-off): one more attempt, the worker
     * that holds it now, and {@code transcribing} unless it is settled. Empty when the hand-off recorded no
     * such file in the batch at that path.
     */
    public Optional<Claim> claim(String batchId, String originalFilename, String opusPath, String worker) throws SQLException {
        return db.withHandle(h -> h.createQuery("WITH prev AS (SELECT audio_id, status AS prev_status, claimed_by AS prev_claim FROM audio_files "
                        + "WHERE batch_id = :batch AND name_key = " + NAME_KEY + " AND opus_path = :path FOR UPDATE) "
                        + "UPDATE audio_files f SET attempts = f.attempts + 1, claimed_by = :worker, claimed_at = now(), updated_at = now(), "
                        + "status = CASE WHEN f.status = 'pending' THEN 'transcribing' ELSE f.status END FROM prev WHERE f.audio_id = prev.audio_id "
                        + "RETURNING " + COLUMNS.replaceAll("(\\w+)", "f.$1") + ", prev.prev_status, prev.prev_claim")
                .bind("batch", batchId).bind("name", originalFilename).bind("path", opusPath).bind("worker", worker)
                .map((rs, ctx) -> new Claim(ROW.map(rs, ctx), rs.getString("prev_status"), rs.getString("prev_claim"))).findOne());
    }

    /** A claim: the row after it, and who held the file before (a live other holder means this delivery is a copy). */
    public record Claim(AudioFileRecord row, String previousStatus, String previousHolder) {
    }

    /** Gives a file back to the worker that held it (a copy of its job was claimed meanwhile). */
    public void restoreClaim(UUID audioId, String worker) throws SQLException {
        db.withHandle(h -> h.createUpdate("UPDATE audio_files SET claimed_by = :worker WHERE audio_id = :id").bind("worker", worker)
                .bind("id", audioId).execute());
    }

    /** The row of {@code originalFilename} in its batch, if the hand-off recorded it. */
    public Optional<AudioFileRecord> find(String batchId, String originalFilename) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM audio_files WHERE batch_id = :batch AND name_key = " + NAME_KEY)
                .bind("batch", batchId).bind("name", originalFilename).map(ROW).findOne());
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
