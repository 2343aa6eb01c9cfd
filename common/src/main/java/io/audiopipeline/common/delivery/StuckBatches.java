package io.audiopipeline.common.delivery;

import io.audiopipeline.common.db.Database;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Announces {@code batch.stuck} once per stall: a batch with no progress for STUCK_AFTER and no such event since its last progress. */
final class StuckBatches {
    private static final Logger log = LoggerFactory.getLogger(StuckBatches.class);
    private static final String STALLED = "FROM stuck_batches s WHERE s.status <> 'failed' AND NOT EXISTS (SELECT 1 FROM outbox o "
            + "WHERE o.batch_id = s.batch_id AND o.type = 'batch.stuck' AND o.created_at > s.last_progress_at)";

    private final Database db;
    private final String after;

    StuckBatches(Database db, Duration stuckAfter) {
        this.db = db;
        this.after = stuckAfter.toSeconds() + " seconds";
    }

    void announce() throws SQLException {
        List<String> batches = db.inTransaction(h -> {
            h.execute("SELECT set_config('audio_pipeline.stuck_after', ?, true)", after);
            return h.createQuery("SELECT s.batch_id " + STALLED).mapTo(String.class).list();
        });
        for (String batchId : batches) {
            db.inTransaction(h -> {
                Outbox.lockBatch(h, batchId);
                h.execute("SELECT set_config('audio_pipeline.stuck_after', ?, true)", after);
                List<Double> idle = h.createQuery("SELECT extract(epoch FROM s.idle_for)::float8 " + STALLED + " AND s.batch_id = :b")
                        .bind("b", batchId).mapTo(Double.class).list();
                if (!idle.isEmpty()) {
                    ResultEvents.batchStuck(h, batchId, idle.get(0));
                    log.warn("batch {} has made no progress for {}s: batch.stuck announced", batchId, Math.round(idle.get(0)));
                }
                return null;
            });
        }
    }
}
