package io.audiopipeline.unpack;

import io.audiopipeline.common.app.GracefulShutdown;
import io.audiopipeline.common.app.Infrastructure;
import io.audiopipeline.common.app.Launcher;
import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.config.S3Config;
import io.audiopipeline.common.http.HealthServer;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.worker.Worker;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code bin/unpack-worker}: queue:unpack → scratch → safe extract → ffmpeg → queue:transcribe:<node>. */
public final class UnpackWorkerMain {
    private static final Logger log = LoggerFactory.getLogger(UnpackWorkerMain.class);
    private static final int DEFAULT_HTTP_PORT = 9102;

    private UnpackWorkerMain() {
    }

    public static void main(String[] args) {
        GracefulShutdown shutdown = new GracefulShutdown();
        int code = Launcher.run("unpack-worker", () -> run(Env.system(), shutdown));
        shutdown.mainFinished(code);
        System.exit(code);
    }

    static int run(Env env, GracefulShutdown shutdown) throws Exception {
        RuntimeConfig runtime = RuntimeConfig.from(env, DEFAULT_HTTP_PORT, 1);
        UnpackConfig config = UnpackConfig.from(env);
        ArchiveRetention retention = ArchiveRetention.from(env);
        RedisConfig redisConfig = RedisConfig.from(env);
        DatabaseConfig dbConfig = DatabaseConfig.from(env);
        S3Config s3Config = S3Config.from(env);
        Launcher.logConfiguration("unpack-worker", env);
        Files.createDirectories(config.scratchRoot());

        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService convertPool = Executors.newFixedThreadPool(config.convertThreads(), r -> {
            Thread t = new Thread(r, "ffmpeg-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try (Infrastructure infra = Infrastructure.open(redisConfig, dbConfig, s3Config, runtime.concurrency() + 4, "unpack-worker")) {
            PrometheusRegistry registry = new PrometheusRegistry();
            Worker<UnpackJob> worker = UnpackAssembly.worker(config, runtime, retention, infra.redis(), infra.database(), infra.store(),
                    convertPool, registry, Clock.systemUTC());
            try (HealthServer http = new HealthServer(runtime.httpBind(), runtime.httpPort(), registry, worker::isRunning, infra.readinessChecks())) {
                shutdown.install("unpack-worker", () -> {
                    try {
                        worker.awaitStop(runtime.gracePeriod());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                worker.start();
                log.info("unpack worker on node {}: scratch {}, {} conversion thread(s), health on :{}", runtime.nodeName(),
                        config.scratchRoot(), config.convertThreads(), http.port());
                worker.awaitStopped(java.time.Duration.ofDays(36500));
            }
        } finally {
            convertPool.shutdownNow();
            convertPool.awaitTermination(5, TimeUnit.SECONDS);
        }
        return 0;
    }
}
