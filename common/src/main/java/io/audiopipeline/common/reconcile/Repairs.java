package io.audiopipeline.common.reconcile;

import io.audiopipeline.common.db.EventLog;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.sql.SQLException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Every repair the reconciler makes: logged with its batch and audio ids, counted by kind, recorded in {@code pipeline_events}. */
final class Repairs {
    private static final Logger log = LoggerFactory.getLogger(Repairs.class);

    private final Counter counter;
    private final EventLog events;

    Repairs(PrometheusRegistry registry, EventLog events) {
        this.counter = Counter.builder().name("audio_pipeline_reconciler_repairs_total")
                .help("Repairs made by the reconciler, by kind (job_republished, unpack_requeued, batch_recovered, keys_rewritten, counts_recounted, "
                        + "completion, completion_finished, legacy_adopted, results_replayed, dead_letter_restored, redis_loss)")
                .labelNames("kind").register(registry);
        this.events = events;
    }

    void record(String kind, String batchId, UUID audioId, String detail) throws SQLException {
        counter.labelValues(kind).inc();
        MDC.put("batch_id", batchId == null ? "" : batchId);
        MDC.put("audio_id", audioId == null ? "" : audioId.toString());
        try {
            log.warn("reconciler: {} (batch {}{}): {}", kind, batchId, audioId == null ? "" : ", audio " + audioId, detail);
        } finally {
            MDC.remove("batch_id");
            MDC.remove("audio_id");
        }
        events.record(batchId, audioId, "reconciler_" + kind, detail);
    }
}
