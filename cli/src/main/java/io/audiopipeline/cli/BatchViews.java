package io.audiopipeline.cli;

import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads batches from the {@code batch_progress} view and their counters from Redis. */
final class BatchViews {
    private final Database db;
    private final BatchTracker tracker;

    BatchViews(Database db, BatchTracker tracker) {
        this.db = db;
        this.tracker = tracker;
    }

    List<BatchView> active(Duration stuckAfter, Instant now) throws SQLException {
        return query("WHERE status <> 'completed' ORDER BY created_at", null, stuckAfter, now);
    }

    Optional<BatchView> one(String batchId, Duration stuckAfter, Instant now) throws SQLException {
        List<BatchView> rows = query("WHERE batch_id = ?", batchId, stuckAfter, now);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private List<BatchView> query(String where, String param, Duration stuckAfter, Instant now) throws SQLException {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT batch_id, status, node, total_files, processed_files, failed_files, "
                    + "created_at, last_progress_at FROM batch_progress " + where)) {
                if (param != null) {
                    ps.setString(1, param);
                }
                List<BatchView> views = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String id = rs.getString(1);
                        BatchCounts counts = tracker.counts(id);
                        Instant created = rs.getTimestamp(7).toInstant();
                        Timestamp progress = rs.getTimestamp(8);
                        Instant last = progress == null ? created : progress.toInstant();
                        String status = rs.getString(2);
                        boolean stuck = !"completed".equals(status) && Duration.between(last, now).compareTo(stuckAfter) > 0;
                        Long total = counts.total() != null ? counts.total() : (Long) (rs.getObject(4) == null ? null : rs.getLong(4));
                        long processed = counts.exists() ? counts.processed() : rs.getLong(5);
                        long failed = counts.exists() ? counts.failed() : rs.getLong(6);
                        views.add(new BatchView(id, status, counts.node() != null ? counts.node() : rs.getString(3), total, processed, failed,
                                created, last, stuck));
                    }
                }
                return views;
            }
        });
    }
}
