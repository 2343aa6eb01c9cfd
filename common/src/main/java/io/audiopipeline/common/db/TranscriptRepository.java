package io.audiopipeline.common.db;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code transcripts} table: one transcript per audio_id; a repeated save keeps the first. */
public final class TranscriptRepository {
    private static final String COLUMNS = "t.audio_id, t.language, t.text, t.segments::text, t.engine, t.engine_version, t.model, "
            + "t.duration_seconds, t.processing_seconds, t.realtime_factor";

    private final Database db;

    public TranscriptRepository(Database db) {
        this.db = db;
    }

    /** Returns true when this call stored the transcript, false when one was already stored. */
    public boolean save(TranscriptRecord t) throws SQLException {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO transcripts (audio_id, language, text, segments, engine, engine_version, "
                    + "model, duration_seconds, processing_seconds, realtime_factor) VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT (audio_id) DO NOTHING")) {
                ps.setObject(1, t.audioId());
                ps.setString(2, t.language());
                ps.setString(3, t.text());
                ps.setString(4, t.segmentsJson());
                ps.setString(5, t.engine());
                ps.setString(6, t.engineVersion());
                ps.setString(7, t.model());
                ps.setObject(8, t.durationSeconds());
                ps.setDouble(9, t.processingSeconds());
                ps.setObject(10, t.realtimeFactor());
                return ps.executeUpdate() == 1;
            }
        });
    }

    public Optional<TranscriptRecord> find(UUID audioId) throws SQLException {
        List<TranscriptRecord> rows = query("SELECT " + COLUMNS + " FROM transcripts t WHERE t.audio_id = ?", audioId);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public List<TranscriptRecord> byBatch(String batchId) throws SQLException {
        return query("SELECT " + COLUMNS + " FROM transcripts t JOIN audio_files f ON f.audio_id = t.audio_id "
                + "WHERE f.batch_id = ? ORDER BY f.original_filename", batchId);
    }

    private List<TranscriptRecord> query(String sql, Object param) throws SQLException {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setObject(1, param);
                List<TranscriptRecord> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new TranscriptRecord(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), rs.getString(7), (Double) rs.getObject(8), rs.getDouble(9),
                                (Double) rs.getObject(10)));
                    }
                }
                return rows;
            }
        });
    }
}
