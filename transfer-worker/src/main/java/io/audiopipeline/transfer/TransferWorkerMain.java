package io.audiopipeline.transfer;

import io.audiopipeline.common.app.GracefulShutdown;
import io.audiopipeline.common.app.Infrastructure;
import io.audiopipeline.common.app.Launcher;
import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.config.S3Config;
import io.audiopipeline.common.http.HealthServer;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.queue.ProducerHeartbeat;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.worker.Worker;
import io.audiopipeline.common.worker.WorkerStatus;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code bin/transfer-worker [--once]}: export host → staging → S3 → queue:unpack. */
public final class TransferWorkerMain {
    private static final Logger log = LoggerFactory.getLogger(TransferWorkerMain.class);
    private static final int DEFAULT_HTTP_PORT = 9101;

    private TransferWorkerMain() {
    }

    public static void main(String[] args) {
        GracefulShutdown shutdown = new GracefulShutdown();
        int code = Launcher.run("transfer-worker", () -> run(args, Env.system(), shutdown));
        shutdown.mainFinished(code);
        System.exit(code);
    }

    static int run(String[] args, Env env) throws Exception {
        return run(args, env, null);
    }

    static int run(String[] args, Env env, GracefulShutdown shutdown) throws Exception {
        boolean once = Arrays.asList(args).contains("--once");
        for (String arg : args) {
            if (!arg.equals("--once")) {
                System.err.println("usage: transfer-worker [--once]");
                return 64;
            }
        }
        RuntimeConfig runtime = RuntimeConfig.from(env, DEFAULT_HTTP_PORT, 1);
        TransferConfig config = TransferConfig.from(env);
        RedisConfig redisConfig = RedisConfig.from(env);
        DatabaseConfig dbConfig = DatabaseConfig.from(env);
        S3Config s3Config = S3Config.from(env);
        Launcher.logConfiguration("transfer-worker", env);

        Clock clock = Clock.systemUTC();
        String workerId = Worker.workerId(runtime.nodeName(), "transfer");
        try (Infrastructure infra = Infrastructure.open(redisConfig, dbConfig, s3Config, 4, "transfer-worker");
             ExportSource source = openSource(config)) {
            PrometheusRegistry registry = new PrometheusRegistry();
            WorkerStatus status = new WorkerStatus(workerId, runtime.nodeName(), "transfer", clock);
            TransferPoller poller = TransferAssembly.poller(config, runtime, workerId, infra.redis(), infra.database(), infra.store(),
                    source, status, registry, clock);
            if (shutdown != null) {
                shutdown.install("transfer-worker", () -> {
                    log.info("stopping: finishing the current archive (grace period {}s)", runtime.gracePeriod().toSeconds());
                    poller.stop();
                    try {
                        poller.awaitStopped(runtime.gracePeriod());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            ObjectMapper json = new JobCodec().mapper();
            if (once) {
                int failed;
                try (ProducerHeartbeat beat = new ProducerHeartbeat(infra.redis(), QueueKeys.unpack(), workerId, runtime.visibilityTimeout(),
                        () -> status.toJson(json))) {
                    failed = poller.runOnce(Duration.ofMillis(Math.min(2_000, config.pollInterval().toMillis())));
                }
                log.info("--once finished: {} archive(s) failed", failed);
                return failed == 0 ? 0 : 1;
            }
            try (ProducerHeartbeat beat = new ProducerHeartbeat(infra.redis(), QueueKeys.unpack(), workerId, runtime.visibilityTimeout(),
                    () -> status.toJson(json));
                 HealthServer http = new HealthServer(runtime.httpBind(), runtime.httpPort(), registry, () -> true, infra.readinessChecks())) {
                log.info("transfer worker {} watching {} every {}s (pattern {}), health on :{}", workerId, source.describe(),
                        config.pollInterval().toSeconds(), config.pattern(), http.port());
                poller.runForever(config.pollInterval());
            }
            return 0;
        }
    }

    static ExportSource openSource(TransferConfig config) {
        if ("file".equals(config.source().getScheme())) {
            return new LocalDirectorySource(Path.of(config.source()));
        }
        return new SftpSource(config.source(), new SshKey(config.sshKey(), config.sshKeyPassphrase()), config.knownHosts(),
                config.acceptUnknownHosts(), config.connectTimeout());
    }
}
