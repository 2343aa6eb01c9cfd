package io.audiopipeline.common.app;

import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.config.S3Config;
import io.audiopipeline.common.delivery.DeliveryConfig;
import io.audiopipeline.common.delivery.OutboxRelay;
import io.audiopipeline.common.reconcile.Reconciler;
import io.audiopipeline.common.reconcile.ReconcilerConfig;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.http.HealthServer;
import io.audiopipeline.common.worker.Worker;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a worker program starts: its configuration read and checked (exit 78 naming the variable)
 * before any server is contacted, Redis, PostgreSQL and the bucket opened and checked (exit 69), the
 * worker id made once, the worker's own parts wired, the health server, SIGTERM's graceful stop, and
 * everything closed in reverse order. A worker's {@code main} only names itself and its {@link Definition}.
 */
public final class WorkerProgram {
    private static final Logger log = LoggerFactory.getLogger(WorkerProgram.class);

    private final String name;
    private final String role;
    private final int defaultHttpPort;

    /**
     * @param name the program's name in logs and metrics ({@code gpu-worker})
     * @param role the worker's role in its id and its queue's heartbeats ({@code gpu})
     */
    public WorkerProgram(String name, String role, int defaultHttpPort) {
        this.name = name;
        this.role = role;
        this.defaultHttpPort = defaultHttpPort;
    }

    /** A worker's {@code main}: runs the program and ends the JVM with its exit status. */
    public void main(Definition definition) {
        GracefulShutdown shutdown = new GracefulShutdown();
        shutdown.install(name);
        int code = Launcher.run(name, () -> run(Env.system(), definition, shutdown));
        shutdown.mainFinished(code);
        System.exit(code);
    }

    /** Runs the program until its service stops; {@code shutdown} may be null (no SIGTERM hook, in tests). */
    public int run(Env env, Definition definition, GracefulShutdown shutdown) throws Exception {
        RuntimeConfig runtime = RuntimeConfig.from(env, defaultHttpPort, 1);
        Wiring wiring = definition.configure(env, runtime);
        RedisConfig redisConfig = RedisConfig.from(env);
        DatabaseConfig dbConfig = DatabaseConfig.from(env);
        S3Config s3Config = S3Config.from(env);
        DeliveryConfig delivery = DeliveryConfig.from(env);
        ReconcilerConfig reconcile = ReconcilerConfig.from(env);
        io.audiopipeline.common.batch.ArchiveRetention retention = io.audiopipeline.common.batch.ArchiveRetention.from(env);
        Launcher.logConfiguration(name, env);

        String workerId = Worker.workerId(runtime.nodeName(), role);
        PrometheusRegistry registry = new PrometheusRegistry();
        boolean relays = delivery.relays() && wiring.servesHealth();
        boolean reconciles = reconcile.enabled() && wiring.servesHealth();
        try (Infrastructure infra = Infrastructure.open(redisConfig, dbConfig, s3Config,
                wiring.redisConnections() + (relays ? 1 : 0) + (reconciles ? 1 : 0), name);
             Resources resources = new Resources()) {
            Service service = wiring.wire(new Context(workerId, runtime, infra, registry, Clock.systemUTC(), resources));
            if (relays) {
                resources.add(new OutboxRelay(delivery, infra.database(), infra.redis(), new JobCodec().mapper(), registry, workerId,
                        Clock.systemUTC())).start();
            }
            if (reconciles) {
                resources.add(new Reconciler(reconcile, infra.database(), infra.redis(), infra.store(), registry, workerId, runtime.visibilityTimeout(),
                        runtime.batchKeyTtl(), retention, Clock.systemUTC())).start();
            }
            if (shutdown != null && !shutdown.onStop(() -> stopQuietly(service, runtime.gracePeriod()))) {
                log.info("{} stopped while starting: nothing was taken", name);
                return 0;
            }
            if (!wiring.servesHealth()) {
                return service.run();
            }
            try (HealthServer http = new HealthServer(runtime.httpBind(), runtime.httpPort(), registry, service::isAlive, infra.readinessChecks())) {
                log.info("{} {} on node {}: {}; health on :{}", name, workerId, runtime.nodeName(), service.describe(), http.port());
                return service.run();
            }
        }
    }

    private static void stopQuietly(Service service, java.time.Duration grace) {
        try {
            service.stop(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What one worker adds to the common start. */
    @FunctionalInterface
    public interface Definition {
        /** Reads and checks this worker's own settings; nothing is opened yet, so a bad one costs nothing. */
        Wiring configure(Env env, RuntimeConfig runtime) throws Exception;
    }

    /** A worker's configured parts, waiting for the servers. */
    public interface Wiring {
        /** Redis connections the worker's threads need at once. */
        int redisConnections();

        /** Builds the worker on the opened servers; what it opens besides them goes to {@link Context#resources()}. */
        Service wire(Context context) throws Exception;

        /** Whether the program serves /health and /metrics (a one-shot run does not). */
        default boolean servesHealth() {
            return true;
        }
    }

    /** What the program runs: blocks in {@link #run} until {@link #stop} (or its own end). */
    public interface Service {
        /** Runs until stopped; returns the program's exit status. */
        int run() throws Exception;

        /** Lets the current work finish within {@code grace}, then returns. */
        void stop(java.time.Duration grace) throws InterruptedException;

        boolean isAlive();

        /** One line for the start-up log: what the worker watches and with what. */
        String describe();
    }

    /** The opened servers and the worker's identity, for {@link Wiring#wire}. */
    public record Context(String workerId, RuntimeConfig runtime, Infrastructure infra, PrometheusRegistry registry, Clock clock,
                          Resources resources) {
    }
}
