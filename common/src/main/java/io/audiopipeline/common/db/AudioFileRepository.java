package io.audiopipeline.common.db;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code audio_files} table: one row per recording, keyed by (batch_id, original_filename) through the name's SHA-256. */
public final class AudioFileRepository {
    private static final String COLUMNS = "audio_id, batch_id, original_filename, s3_key, sha256, size_bytes, duration_seconds, "
            + "status, error, attempts, created_at, updated_at, no_speech";
    /** A file's identity in its batch, whatever the length of its name (see schema.sql). */
    private static final String NAME_KEY = "encode(sha256(convert_to(?, 'UTF8')), 'hex')";

    private final Database db;

    public AudioFileRepository(Database db) {
        this.db = db;
    }

    /**
     * Returns the file's row, creating it on first sight; a repeated call returns the same
     * {@code audio_id} and counts one more attempt.
     */
    public AudioFileRecord register(String batchId, String originalFilename) throws SQLException {
        return single("INSERT INTO audio_files (batch_id, original_filename, name_key, attempts) VALUES (?, ?, " + NAME_KEY + ", 1) "
                + "ON CONFLICT (batch_id, name_key) DO UPDATE SET attempts = audio_files.attempts + 1, updated_at = now() "
                + "RETURNING " + COLUMNS, batchId, originalFilename, originalFilename);
    }

    /** Records a permanent failure of one file (creating its row when needed). */
    public AudioFileRecord markFailed(String batchId, String originalFilename, String error) throws SQLException {
        return single("INSERT INTO audio_files (batch_id, original_filename, name_key, status, error) VALUES (?, ?, " + NAME_KEY
                + ", 'failed', ?) ON CONFLICT (batch_id, name_key) DO UPDATE SET status = CASE WHEN audio_files.status = 'completed' "
                + "THEN audio_files.status ELSE 'failed' END, error = EXCLUDED.error, updated_at = now() RETURNING " + COLUMNS,
                batchId, originalFilename, originalFilename, error);
    }

    /** The file's transcript is stored; {@code noSpeech} when it decoded but held no recognisable speech. */
    public void markTranscribed(UUID audioId, String status, Double durationSeconds, boolean noSpeech) throws SQLException {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE audio_files SET status = ?, duration_seconds = coalesce(?, duration_seconds), "
                    + "no_speech = no_speech OR ?, updated_at = now() WHERE audio_id = ? AND status <> 'completed'")) {
                ps.setString(1, status);
                if (durationSeconds == null) {
                    ps.setNull(2, Types.DOUBLE);
                } else {
                    ps.setDouble(2, durationSeconds);
                }
                ps.setBoolean(3, noSpeech);
                ps.setObject(4, audioId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public void markCompleted(UUID audioId, String s3Key, String sha256, long sizeBytes) throws SQLException {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE audio_files SET status = 'completed', s3_key = ?, sha256 = ?, size_bytes = ?, "
                    + "error = NULL, updated_at = now() WHERE audio_id = ?")) {
                ps.setString(1, s3Key);
                ps.setString(2, sha256);
                ps.setLong(3, sizeBytes);
                ps.setObject(4, audioId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public Optional<AudioFileRecord> find(UUID audioId) throws SQLException {
        List<AudioFileRecord> rows = query("SELECT " + COLUMNS + " FROM audio_files WHERE audio_id = ?", audioId);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public List<AudioFileRecord> byBatch(String batchId) throws SQLException {
        return query("SELECT " + COLUMNS + " FROM audio_files WHERE batch_id = ? ORDER BY original_filename", batchId);
    }

    private AudioFileRecord single(String sql, Object... params) throws SQLException {
        return query(sql, params).get(0);
    }

    private List<AudioFileRecord> query(String sql, Object... params) throws SQLException {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                List<AudioFileRecord> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new AudioFileRecord(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), (Long) rs.getObject(6), (Double) rs.getObject(7), rs.getString(8), rs.getString(9),
                                rs.getInt(10), BatchRepository.instant(rs, 11), BatchRepository.instant(rs, 12), rs.getBoolean(13)));
                    }
                }
                return rows;
            }
        });
    }
}
