package io.audiopipeline.gpu;

import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.batch.BatchGauges;
import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.batch.LegacyHandOff;
import io.audiopipeline.common.batch.BatchRecovery;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.LabelJob;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.queue.DeadLetterStore;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.worker.Worker;
import io.audiopipeline.common.worker.WorkerMetrics;
import java.time.Clock;
import redis.clients.jedis.UnifiedJedis;

/** Wires the GPU worker from its parts (constructor injection by hand, in one place). */
final class GpuAssembly {
    private GpuAssembly() {
    }

    /**
     * The worker takes one more job than it has bridges: while every bridge transcribes, one slot already
     * fetches and prepares (registers the row, checks the file) the next job, so no bridge waits for work.
     */
    static Worker<TranscriptionJob> worker(GpuConfig config, RuntimeConfig runtime, String workerId, ArchiveRetention retention, UnifiedJedis redis,
                                           Database db, ObjectStore store, BridgePool bridges, TranscriptLabeler labeler, GpuMetrics metrics,
                                           WorkerMetrics workerMetrics, Clock clock) {
        JobCodec codec = new JobCodec();
        EventLog events = new EventLog(db, workerId);
        BatchRepository batches = new BatchRepository(db);
        BatchLedger ledger = BatchLedger.wire(db, redis, events, store, config.scratchRoot(), retention, runtime.batchKeyTtl());
        BatchGauges.register(workerMetrics.registry(), batches);
        QueueKeys queue = QueueKeys.transcribe(runtime.nodeName());
        AudioFileRepository files = new AudioFileRepository(db);
        Publication publication = new Publication(files,
                new LegacyHandOff(batches, new JobPublisher(redis, runtime.batchKeyTtl()), codec, ledger), redis, queue, workerId);
        TranscribeHandler handler = new TranscribeHandler(new ScratchPaths(config.scratchRoot()), publication, bridges, config, files,
                new TranscriptRepository(db), labeler, events, store, ledger, metrics,
                new BatchRecovery(batches, store, new JobPublisher(redis, runtime.batchKeyTtl()), codec, events, clock));
        RuntimeConfig slots = new RuntimeConfig(runtime.nodeName(), runtime.httpPort(), bridges.size() + 1, runtime.maxAttempts(),
                runtime.visibilityTimeout(), runtime.retryBaseDelay(), runtime.retryMaxDelay(), runtime.gracePeriod(), runtime.batchKeyTtl(),
                runtime.httpBind());
        return new Worker<>(workerId, "gpu", redis, QueueKeys.transcribe(runtime.nodeName()), slots, handler, codec, workerMetrics, clock)
                .recordDeadLettersIn(new DeadLetterStore(db));
    }

    /** The labeller, or {@link TranscriptLabeler#NONE} when LABELER is none. */
    static TranscriptLabeler labeler(LabelerConfig config, LabelerBridge bridge, Database db, GpuMetrics metrics) {
        if (bridge == null) {
            return TranscriptLabeler.NONE;
        }
        return new TranscriptLabeler(config.policies(), bridge, new LabelRepository(db), metrics, config.attempts());
    }

    /** The worker of {@code queue:label}: one job at a time (one labeller bridge), its own worker id beside the transcription worker's. */
    static Worker<LabelJob> labelWorker(RuntimeConfig runtime, String workerId, UnifiedJedis redis, Database db, TranscriptLabeler labeler,
                                        WorkerMetrics workerMetrics, Clock clock) {
        RuntimeConfig one = new RuntimeConfig(runtime.nodeName(), runtime.httpPort(), 1, runtime.maxAttempts(),
                runtime.visibilityTimeout(), runtime.retryBaseDelay(), runtime.retryMaxDelay(), runtime.gracePeriod(), runtime.batchKeyTtl(),
                runtime.httpBind());
        LabelHandler handler = new LabelHandler(new AudioFileRepository(db), new TranscriptRepository(db), new LabelRepository(db), labeler);
        return new Worker<>(workerId + "-label", "label", redis, QueueKeys.label(), one, handler, new JobCodec(), workerMetrics, clock)
                .recordDeadLettersIn(new DeadLetterStore(db));
    }
}
