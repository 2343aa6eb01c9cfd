package io.audiopipeline.common.batch;

import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.OpenBatches;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches that are not completed, read from the database when {@code /metrics} is scraped: how many per
 * status, and how long the longest-idle one has gone without progress. Alert on the second (say, over 30
 * minutes): a batch whose files stopped moving is what {@code pipeline status} flags as STUCK. When the
 * database does not answer, the scrape carries no batch samples rather than failing.
 */
public final class BatchGauges {
    private static final Logger log = LoggerFactory.getLogger(BatchGauges.class);

    private BatchGauges() {
    }

    public static void register(PrometheusRegistry registry, BatchRepository batches) {
        GaugeWithCallback.builder().name("audio_pipeline_open_batches")
                .help("Batches not completed, by status (queued, unpacking, transcribing, failed)").labelNames("status")
                .callback(sample -> read(batches).forEach(b -> sample.call(b.count(), b.status())))
                .register(registry);
        GaugeWithCallback.builder().name("audio_pipeline_batch_idle_seconds")
                .help("Longest time a batch not completed has gone without progress, by status").labelNames("status")
                .callback(sample -> read(batches).forEach(b -> sample.call(b.longestIdleSeconds(), b.status())))
                .register(registry);
    }

    private static List<OpenBatches> read(BatchRepository batches) {
        try {
            return batches.openByStatus();
        } catch (SQLException | RuntimeException e) {
            log.warn("batch gauges left out of this scrape: the database did not answer: {}", e.getMessage());
            return List.of();
        }
    }
}
