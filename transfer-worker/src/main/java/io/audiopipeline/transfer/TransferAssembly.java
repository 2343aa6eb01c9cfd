package io.audiopipeline.transfer;

import io.audiopipeline.common.archive.ArchivePublisher;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.queue.Backoff;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.worker.WorkerStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.util.Random;
import redis.clients.jedis.UnifiedJedis;

/** Wires a transfer poller from its parts (constructor injection by hand, in one place). */
final class TransferAssembly {
    private TransferAssembly() {
    }

    static TransferPoller poller(TransferConfig config, RuntimeConfig runtime, String workerId, UnifiedJedis redis, Database db,
                                 ObjectStore store, ExportSource source, WorkerStatus status, PrometheusRegistry registry, Clock clock) {
        TransferMetrics metrics = new TransferMetrics(registry);
        ArchivePublisher publisher = new ArchivePublisher(store, new BatchRepository(db), new EventLog(db, workerId),
                new JobPublisher(redis, runtime.batchKeyTtl()), new JobCodec(), clock);
        ArchiveTransfer transfer = new ArchiveTransfer(source, new TransferLedger(db), publisher, store, config, metrics, clock);
        return new TransferPoller(source, new ReadinessFilter(config.matcher(), config.requireMarker()),
                new ArchiveClaim(redis, workerId, config.claimTtl()), transfer, status, metrics,
                new Backoff(runtime.retryBaseDelay(), runtime.retryMaxDelay(), new Random()), new TransferFailures(db, source.describe(), workerId), clock);
    }
}
