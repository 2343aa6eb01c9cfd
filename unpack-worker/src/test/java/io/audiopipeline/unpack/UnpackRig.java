package io.audiopipeline.unpack;

import io.audiopipeline.common.archive.ArchivePublisher;
import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.storage.TransferProgress;
import io.audiopipeline.common.testing.ServerFixture;
import io.audiopipeline.common.worker.Worker;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Unpack workers in the test's JVM on real servers, and archives published as the transfer worker publishes them. */
final class UnpackRig implements AutoCloseable {
    final ServerFixture servers;
    private final String node;
    private final JobCodec codec = new JobCodec();
    private final ExecutorService convertPool = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService leaseRenewals = Executors.newSingleThreadScheduledExecutor();
    private final List<Worker<UnpackJob>> workers = new ArrayList<>();

    private UnpackRig(ServerFixture servers, String node) {
        this.servers = servers;
        this.node = node;
    }

    static UnpackRig start(String bucket, String node) throws Exception {
        return new UnpackRig(ServerFixture.start(bucket), node);
    }

    /** The environment of a worker on this node with its scratch volume at {@code scratch}. */
    Map<String, String> env(Path scratch) {
        Map<String, String> env = new HashMap<>(servers.env());
        env.put("NODE_NAME", node);
        env.put("SCRATCH_ROOT", scratch.toString());
        env.put("UNPACK_CONVERT_THREADS", "2");
        env.put("MAX_ATTEMPTS", "2");
        return env;
    }

    Worker<UnpackJob> startWorker(Map<String, String> env, ArchiveRetention retention, Database db) {
        Env e = new Env(env);
        Worker<UnpackJob> w = UnpackAssembly.worker(UnpackConfig.from(e), RuntimeConfig.from(e, 0, 1), "unpack-it", retention,
                servers.redis, db, servers.store, convertPool, leaseRenewals, new PrometheusRegistry(), Clock.systemUTC());
        workers.add(w);
        w.start();
        return w;
    }

    /** Uploads and enqueues an archive exactly as the transfer worker does. */
    UnpackJob publish(Database db, Path archive) throws Exception {
        ArchivePublisher publisher = new ArchivePublisher(servers.store, new BatchRepository(db), new EventLog(db, "test"),
                new JobPublisher(servers.redis, Duration.ofDays(1)), codec, Clock.systemUTC());
        return publisher.publish(BatchId.next(Clock.systemUTC()), archive, archive.getFileName().toString(), TransferProgress.NONE);
    }

    void stopWorkers() throws InterruptedException {
        for (Worker<UnpackJob> w : workers) {
            w.awaitStop(Duration.ofSeconds(30));
        }
        workers.clear();
    }

    @Override
    public void close() throws Exception {
        convertPool.shutdownNow();
        leaseRenewals.shutdownNow();
        servers.close();
    }
}
