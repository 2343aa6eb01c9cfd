package io.audiopipeline.common.db;

import java.sql.SQLException;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** The append-only {@code pipeline_events} audit trail. */
public final class EventLog {
    private final Database db;
    private final String worker;

    public EventLog(Database db, String worker) {
        this.db = db;
        this.worker = worker;
    }

    public void record(String batchId, UUID audioId, String event, String detail) throws SQLException {
        db.withHandle(h -> {
            record(h, batchId, audioId, event, detail);
            return null;
        });
    }

    /** Records the event on {@code h}, in the transaction of the change it announces. */
    public void record(Handle h, String batchId, UUID audioId, String event, String detail) {
        h.createUpdate("INSERT INTO pipeline_events (batch_id, audio_id, event, detail, worker) VALUES (:batch, :audio, :event, :detail, :worker)")
                .bind("batch", batchId).bind("audio", audioId).bind("event", event).bind("detail", detail).bind("worker", worker)
                .execute();
    }
}
