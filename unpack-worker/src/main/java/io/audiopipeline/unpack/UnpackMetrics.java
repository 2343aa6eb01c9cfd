package io.audiopipeline.unpack;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The unpack worker's stage metrics (jobs by outcome come from the worker runtime). */
final class UnpackMetrics {
    private final Counter files;
    private final Histogram conversionSeconds;
    private final Counter audioSeconds;
    private final Counter downloaded;
    private final Gauge scratchFree;

    UnpackMetrics(PrometheusRegistry registry) {
        files = Counter.builder().name("audio_pipeline_unpack_files_total").help("Recordings converted, by outcome")
                .labelNames("outcome").register(registry);
        conversionSeconds = Histogram.builder().name("audio_pipeline_conversion_duration_seconds").help("ffmpeg time per recording")
                .classicUpperBounds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300).register(registry);
        audioSeconds = Counter.builder().name("audio_pipeline_audio_produced_seconds_total").help("Seconds of Opus audio produced")
                .register(registry);
        downloaded = Counter.builder().name("audio_pipeline_downloaded_bytes_total").help("Bytes downloaded")
                .labelNames("stage").register(registry);
        scratchFree = Gauge.builder().name("audio_pipeline_scratch_free_bytes").help("Free bytes on the scratch volume").register(registry);
    }

    void converted(double audio, double seconds) {
        files.labelValues("converted").inc();
        conversionSeconds.observe(seconds);
        audioSeconds.inc(audio);
    }

    void conversionFailed() {
        files.labelValues("failed").inc();
    }

    void downloaded(long bytes) {
        downloaded.labelValues("unpack").inc(bytes);
    }

    void scratchFree(long bytes) {
        scratchFree.set(bytes);
    }
}
