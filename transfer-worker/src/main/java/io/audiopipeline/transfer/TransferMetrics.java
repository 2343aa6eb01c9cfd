package io.audiopipeline.transfer;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The transfer worker's metrics. */
final class TransferMetrics {
    private final Counter archives;
    private final Counter bytesDownloaded;
    private final Counter bytesUploaded;
    private final Gauge uploadRate;

    TransferMetrics(PrometheusRegistry registry) {
        archives = Counter.builder().name("audio_pipeline_transfer_archives_total")
                .help("Archives handled by the transfer worker, by outcome (transferred, failed, skipped)")
                .labelNames("outcome").register(registry);
        bytesDownloaded = Counter.builder().name("audio_pipeline_downloaded_bytes_total")
                .help("Bytes downloaded").labelNames("stage").register(registry);
        bytesUploaded = Counter.builder().name("audio_pipeline_uploaded_bytes_total")
                .help("Bytes uploaded to S3").labelNames("stage").register(registry);
        uploadRate = Gauge.builder().name("audio_pipeline_transfer_upload_rate_bytes_per_second")
                .help("Rate of the last archive upload").register(registry);
    }

    void archive(String outcome) {
        archives.labelValues(outcome).inc();
    }

    void downloaded(long bytes) {
        bytesDownloaded.labelValues("transfer").inc(bytes);
    }

    void uploaded(long bytes, double seconds) {
        bytesUploaded.labelValues("transfer").inc(bytes);
        if (seconds > 0) {
            uploadRate.set(bytes / seconds);
        }
    }
}
