package io.audiopipeline.gpu;

import io.audiopipeline.common.app.GracefulShutdown;
import io.audiopipeline.common.app.Infrastructure;
import io.audiopipeline.common.app.Launcher;
import io.audiopipeline.common.app.UnavailableException;
import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.config.S3Config;
import io.audiopipeline.common.http.HealthServer;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.worker.Worker;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code bin/gpu-worker}: queue:transcribe:<node> → bridge → PostgreSQL + S3 → batch counters. */
public final class GpuWorkerMain {
    private static final Logger log = LoggerFactory.getLogger(GpuWorkerMain.class);
    private static final int DEFAULT_HTTP_PORT = 9103;

    private GpuWorkerMain() {
    }

    public static void main(String[] args) {
        GracefulShutdown shutdown = new GracefulShutdown();
        int code = Launcher.run("gpu-worker", () -> run(Env.system(), shutdown));
        shutdown.mainFinished(code);
        System.exit(code);
    }

    static int run(Env env, GracefulShutdown shutdown) throws Exception {
        RuntimeConfig runtime = RuntimeConfig.from(env, DEFAULT_HTTP_PORT, 1);
        GpuConfig config = GpuConfig.from(env);
        ArchiveRetention retention = ArchiveRetention.from(env);
        RedisConfig redisConfig = RedisConfig.from(env);
        DatabaseConfig dbConfig = DatabaseConfig.from(env);
        S3Config s3Config = S3Config.from(env);
        Launcher.logConfiguration("gpu-worker", env);

        PrometheusRegistry registry = new PrometheusRegistry();
        GpuMetrics metrics = new GpuMetrics(registry);
        try (Infrastructure infra = Infrastructure.open(redisConfig, dbConfig, s3Config, config.devices().size() + 6, "gpu-worker");
             BridgePool bridges = new BridgePool(config, new JobCodec().mapper(), metrics)) {
            try {
                bridges.startAll();
            } catch (BridgeFailure e) {
                throw new UnavailableException(e.getMessage());
            }
            Worker<TranscriptionJob> worker = GpuAssembly.worker(config, runtime, retention, infra.redis(), infra.database(), infra.store(),
                    bridges, metrics, registry, Clock.systemUTC());
            try (HealthServer http = new HealthServer(runtime.httpBind(), runtime.httpPort(), registry, worker::isRunning, infra.readinessChecks())) {
                shutdown.install("gpu-worker", () -> {
                    try {
                        worker.awaitStop(runtime.gracePeriod());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                worker.start();
                log.info("gpu worker on node {}: engine {}, {} bridge(s) on {}, pids {}, health on :{}", runtime.nodeName(),
                        config.engine().name().toLowerCase(), bridges.size(), config.devices(), bridges.pids(), http.port());
                worker.awaitStopped(Duration.ofDays(36500));
            }
        }
        return 0;
    }
}
