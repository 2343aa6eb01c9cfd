package io.audiopipeline.cli;

import io.audiopipeline.common.db.Database;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** Reads batches and their counts from the {@code batch_progress} view: the counts of the batch's row, the one place they are kept. */
final class BatchViews {
    private final Database db;

    BatchViews(Database db) {
        this.db = db;
    }

    List<BatchView> active(Duration stuckAfter, Instant now) throws SQLException {
        return query("WHERE status <> 'completed' ORDER BY created_at", null, stuckAfter, now);
    }

    Optional<BatchView> one(String batchId, Duration stuckAfter, Instant now) throws SQLException {
        List<BatchView> rows = query("WHERE batch_id = ?", batchId, stuckAfter, now);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** One row of {@code batch_progress}. */
    private record Row(String batchId, String status, String node, Long totalFiles, long processedFiles, long failedFiles,
                       Instant createdAt, Instant lastProgressAt) {
    }

    private List<BatchView> query(String where, String param, Duration stuckAfter, Instant now) throws SQLException {
        List<Row> rows = db.withHandle(h -> {
            var q = h.createQuery("SELECT batch_id, status, node, total_files, processed_files, failed_files, "
                    + "created_at, last_progress_at FROM batch_progress " + where);
            if (param != null) {
                q.bind(0, param);
            }
            return q.map(ConstructorMapper.of(Row.class)).list();
        });
        List<BatchView> views = new ArrayList<>();
        for (Row r : rows) {
            Instant last = r.lastProgressAt() == null ? r.createdAt() : r.lastProgressAt();
            boolean stuck = !"completed".equals(r.status()) && Duration.between(last, now).compareTo(stuckAfter) > 0;
            views.add(new BatchView(r.batchId(), r.status(), r.node(), r.totalFiles(), r.processedFiles(), r.failedFiles(),
                    r.createdAt(), last, stuck));
        }
        return views;
    }
}
