package io.audiopipeline.common.db;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;

/** The append-only {@code pipeline_events} audit trail. */
public final class EventLog {
    private final Database db;
    private final String worker;

    public EventLog(Database db, String worker) {
        this.db = db;
        this.worker = worker;
    }

    public void record(String batchId, UUID audioId, String event, String detail) throws SQLException {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO pipeline_events (batch_id, audio_id, event, detail, worker) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, batchId);
                ps.setObject(2, audioId);
                ps.setString(3, event);
                ps.setString(4, detail);
                ps.setString(5, worker);
                ps.executeUpdate();
            }
            return null;
        });
    }
}
