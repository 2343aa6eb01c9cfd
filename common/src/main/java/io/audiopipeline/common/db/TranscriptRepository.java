package io.audiopipeline.common.db;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** The {@code transcripts} table: one transcript per audio_id; a repeated save keeps the first. */
public final class TranscriptRepository {
    private static final String COLUMNS = "t.audio_id, t.language, t.text, t.segments::text AS segments_json, t.engine, t.engine_version, "
            + "t.model, t.duration_seconds, t.processing_seconds, t.realtime_factor";
    private static final RowMapper<TranscriptRecord> ROW = ConstructorMapper.of(TranscriptRecord.class);

    private final Database db;

    public TranscriptRepository(Database db) {
        this.db = db;
    }

    /** Returns true when this call stored the transcript, false when one was already stored. */
    public boolean save(TranscriptRecord t) throws SQLException {
        return db.withHandle(h -> insert(h, t));
    }

    /**
     * Stores the transcript and marks its file transcribed (with its duration, and {@code noSpeech} when it
     * decoded but held no recognisable speech), in one transaction; a repeated call changes nothing.
     */
    public void saveTranscribed(TranscriptRecord t, boolean noSpeech) throws SQLException {
        db.inTransaction(h -> {
            insert(h, t);
            return h.createUpdate("UPDATE audio_files SET status = 'transcribed', duration_seconds = coalesce(:duration, duration_seconds), "
                            + "no_speech = no_speech OR :noSpeech, updated_at = now() WHERE audio_id = :id AND status <> 'completed'")
                    .bind("duration", t.durationSeconds()).bind("noSpeech", noSpeech).bind("id", t.audioId()).execute();
        });
    }

    private static boolean insert(Handle h, TranscriptRecord t) {
        return h.createUpdate("INSERT INTO transcripts (audio_id, language, text, segments, engine, engine_version, "
                        + "model, duration_seconds, processing_seconds, realtime_factor) VALUES (:audioId, :language, :text, "
                        + ":segmentsJson::jsonb, :engine, :engineVersion, :model, :durationSeconds, :processingSeconds, :realtimeFactor) "
                        + "ON CONFLICT (audio_id) DO NOTHING")
                .bindMethods(t)
                .execute() == 1;
    }

    public Optional<TranscriptRecord> find(UUID audioId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM transcripts t WHERE t.audio_id = :id")
                .bind("id", audioId).map(ROW).findOne());
    }

    public List<TranscriptRecord> byBatch(String batchId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM transcripts t JOIN audio_files f ON f.audio_id = t.audio_id "
                        + "WHERE f.batch_id = :batch ORDER BY f.original_filename")
                .bind("batch", batchId).map(ROW).list());
    }
}
