package io.audiopipeline.common.worker;

import io.audiopipeline.common.queue.QueueStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The metrics every worker exposes; stage metrics are registered by the workers on the same registry. */
public final class WorkerMetrics {
    private final PrometheusRegistry registry;
    private final Counter jobs;
    private final Histogram duration;
    private final Gauge queueJobs;
    private final Gauge deadLetters;

    public WorkerMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        this.jobs = Counter.builder().name("audio_pipeline_jobs_total")
                .help("Jobs settled, by queue and outcome (succeeded, retried, dead, malformed)")
                .labelNames("queue", "outcome").register(registry);
        this.duration = Histogram.builder().name("audio_pipeline_job_duration_seconds")
                .help("Time spent handling one job").labelNames("queue")
                .classicUpperBounds(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800).register(registry);
        this.queueJobs = Gauge.builder().name("audio_pipeline_queue_jobs")
                .help("Jobs in a queue by state (waiting, in_flight, delayed)").labelNames("queue", "state").register(registry);
        this.deadLetters = Gauge.builder().name("audio_pipeline_dead_letter_jobs")
                .help("Jobs in a queue's dead-letter list").labelNames("queue").register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    void settled(String queue, String outcome, double seconds) {
        jobs.labelValues(queue, outcome).inc();
        duration.labelValues(queue).observe(seconds);
    }

    void queue(QueueStats stats) {
        queueJobs.labelValues(stats.queue(), "waiting").set(stats.waiting());
        queueJobs.labelValues(stats.queue(), "in_flight").set(stats.inFlight());
        queueJobs.labelValues(stats.queue(), "delayed").set(stats.delayed());
        deadLetters.labelValues(stats.queue()).set(stats.dead());
    }
}
