package io.audiopipeline.gpu;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The GPU worker's stage metrics. */
final class GpuMetrics {
    private final Counter audioSeconds;
    private final Histogram realtimeFactor;
    private final Counter bridgeRestarts;
    private final Counter bridgeStarts;
    private final Counter bridgeBusySeconds;
    private final Counter uploaded;
    private final Counter files;
    private final Counter noSpeech;
    private final Counter labels;
    private final Counter labellingSeconds;

    GpuMetrics(PrometheusRegistry registry) {
        audioSeconds = Counter.builder().name("audio_pipeline_audio_transcribed_seconds_total").help("Seconds of audio transcribed")
                .register(registry);
        realtimeFactor = Histogram.builder().name("audio_pipeline_transcription_realtime_factor")
                .help("Transcription time divided by audio duration").classicUpperBounds(0.05, 0.1, 0.2, 0.5, 1, 2, 5).register(registry);
        bridgeRestarts = Counter.builder().name("audio_pipeline_bridge_restarts_total").help("Bridges restarted, by reason (died, failure, recycle)")
                .labelNames("reason").register(registry);
        bridgeStarts = Counter.builder().name("audio_pipeline_bridge_starts_total").help("Bridge processes started").register(registry);
        bridgeBusySeconds = Counter.builder().name("audio_pipeline_bridge_busy_seconds_total")
                .help("Time bridges spent on requests (divide by wall time and bridges for the busy fraction)").register(registry);
        uploaded = Counter.builder().name("audio_pipeline_uploaded_bytes_total").help("Bytes uploaded to S3").labelNames("stage").register(registry);
        files = Counter.builder().name("audio_pipeline_transcribed_files_total").help("Files by outcome (processed, failed)")
                .labelNames("outcome").register(registry);
        noSpeech = Counter.builder().name("audio_pipeline_no_speech_files_total")
                .help("Files that decoded but held no recognisable speech (processed with an empty transcript)").register(registry);
        labels = Counter.builder().name("audio_pipeline_labels_total")
                .help("Transcripts labelled against a content policy, by policy name and label (1, 0, failed)")
                .labelNames("policy", "label").register(registry);
        labellingSeconds = Counter.builder().name("audio_pipeline_labelling_seconds_total")
                .help("Time the labeller bridge spent on requests").register(registry);
    }

    void label(String policy, String label, double seconds) {
        labels.labelValues(policy, label).inc();
        labellingSeconds.inc(seconds);
    }

    void noSpeech() {
        noSpeech.inc();
    }

    void transcribed(double audio, double seconds) {
        audioSeconds.inc(audio);
        if (audio > 0) {
            realtimeFactor.observe(seconds / audio);
        }
    }

    void bridgeRestart(String reason) {
        bridgeRestarts.labelValues(reason).inc();
    }

    void bridgeStarted() {
        bridgeStarts.inc();
    }

    void bridgeBusy(double seconds) {
        bridgeBusySeconds.inc(seconds);
    }

    void uploaded(long bytes) {
        uploaded.labelValues("processed").inc(bytes);
    }

    void file(String outcome) {
        files.labelValues(outcome).inc();
    }
}
