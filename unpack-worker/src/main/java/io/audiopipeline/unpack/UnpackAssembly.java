package io.audiopipeline.unpack;

import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.batch.BatchGauges;
import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.process.ProcessRunner;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.worker.Worker;
import io.audiopipeline.common.worker.WorkerMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import redis.clients.jedis.UnifiedJedis;

/** Wires the unpack worker from its parts (constructor injection by hand, in one place). */
final class UnpackAssembly {
    private UnpackAssembly() {
    }

    /** {@code leaseRenewals} renews the batch leases of this process's unpack jobs (one thread is plenty). */
    static Worker<UnpackJob> worker(UnpackConfig config, RuntimeConfig runtime, String workerId, ArchiveRetention retention,
                                    UnifiedJedis redis, Database db, ObjectStore store, ExecutorService convertPool,
                                    ScheduledExecutorService leaseRenewals, PrometheusRegistry registry, Clock clock) {
        JobCodec codec = new JobCodec();
        UnpackMetrics metrics = new UnpackMetrics(registry);
        BatchRepository batches = new BatchRepository(db);
        BatchGauges.register(registry, batches);
        EventLog events = new EventLog(db, workerId);
        FfmpegConverter ffmpeg = new FfmpegConverter(config.ffmpeg(), config.opusBitrate(), config.convertTimeout(),
                new ProcessRunner());
        RecordingConverter converter = new RecordingConverter(ffmpeg, convertPool, metrics);
        BatchLedger ledger = BatchLedger.wire(db, redis, events, store, config.scratchRoot(), retention, runtime.batchKeyTtl());
        HandOff handOff = new HandOff(ledger, events,
                new JobPublisher(redis, runtime.batchKeyTtl()), codec, runtime.nodeName());
        UnpackHandler handler = new UnpackHandler(config, store,
                new SafeExtractor(config.maxBytes(), config.maxEntries(), config.maxCompressionRatio(), new EntryClassifier(config.audioExtensions())),
                converter, handOff, ledger, batches, metrics, codec.mapper(), runtime.nodeName(), workerId, clock,
                new BatchLease.Leases(redis, runtime.visibilityTimeout(), leaseRenewals,
                        runtime.nodeName() + ":" + ProcessHandle.current().pid()));
        return new Worker<>(workerId, "unpack", redis, QueueKeys.unpack(), runtime, handler, codec, new WorkerMetrics(registry), clock)
                .recordDeadLettersIn(new io.audiopipeline.common.queue.DeadLetterStore(db))
                .admitWhen(new ScratchAdmission(config, redis, QueueKeys.transcribe(runtime.nodeName()), metrics));
    }
}
