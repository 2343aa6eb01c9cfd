package io.audiopipeline.transfer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.app.GracefulShutdown;
import io.audiopipeline.common.app.WorkerProgram;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.queue.ProducerHeartbeat;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.worker.WorkerStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code bin/transfer-worker [--once]}: export host → staging → S3 → queue:unpack. */
public final class TransferWorkerMain {
    private static final Logger log = LoggerFactory.getLogger(TransferWorkerMain.class);
    static final WorkerProgram PROGRAM = new WorkerProgram("transfer-worker", "transfer", 9101);
    private static final int EX_USAGE = 64;

    private TransferWorkerMain() {
    }

    public static void main(String[] args) {
        if (!validArguments(args)) {
            System.exit(EX_USAGE);
        }
        PROGRAM.main((env, runtime) -> configure(args, env, runtime));
    }

    /** One run as {@code main} makes it, without the SIGTERM hook (tests). */
    static int run(String[] args, Env env) throws Exception {
        return validArguments(args) ? PROGRAM.run(env, (e, runtime) -> configure(args, e, runtime), (GracefulShutdown) null) : EX_USAGE;
    }

    private static boolean validArguments(String[] args) {
        for (String arg : args) {
            if (!arg.equals("--once")) {
                System.err.println("usage: transfer-worker [--once]");
                return false;
            }
        }
        return true;
    }

    static WorkerProgram.Wiring configure(String[] args, Env env, RuntimeConfig runtime) {
        boolean once = List.of(args).contains("--once");
        TransferConfig config = TransferConfig.from(env);
        return new WorkerProgram.Wiring() {
            @Override
            public int redisConnections() {
                return 4;
            }

            @Override
            public boolean servesHealth() {
                // a one-shot run next to the service must not take its health port
                return !once;
            }

            @Override
            public WorkerProgram.Service wire(WorkerProgram.Context c) {
                ExportSource source = c.resources().add(openSource(config));
                WorkerStatus status = new WorkerStatus(c.workerId(), runtime.nodeName(), "transfer", c.clock());
                TransferPoller poller = TransferAssembly.poller(config, runtime, c.workerId(), c.infra().redis(), c.infra().database(),
                        c.infra().store(), source, status, c.registry(), c.clock());
                ObjectMapper json = new JobCodec().mapper();
                c.resources().add(new ProducerHeartbeat(c.infra().redis(), QueueKeys.unpack(), c.workerId(), runtime.visibilityTimeout(),
                        () -> status.toJson(json)));
                return new PollerService(poller, config, source, once);
            }
        };
    }

    static ExportSource openSource(TransferConfig config) {
        if ("file".equals(config.source().getScheme())) {
            return new LocalDirectorySource(Path.of(config.source()));
        }
        return new SftpSource(config.source(), new SshKey(config.sshKey(), config.sshKeyPassphrase()), config.knownHosts(),
                config.acceptUnknownHosts(), config.connectTimeout());
    }

    /** The poller as the program's service: forever, or {@code --once} (exit 1 when an archive failed). */
    private record PollerService(TransferPoller poller, TransferConfig config, ExportSource source, boolean once)
            implements WorkerProgram.Service {
        @Override
        public int run() throws InterruptedException {
            if (!once) {
                poller.runForever(config.pollInterval());
                return 0;
            }
            int failed = poller.runOnce(Duration.ofMillis(Math.min(2_000, config.pollInterval().toMillis())));
            log.info("--once finished: {} archive(s) failed", failed);
            return failed == 0 ? 0 : 1;
        }

        @Override
        public void stop(Duration grace) throws InterruptedException {
            log.info("stopping: finishing the current archive (grace period {}s)", grace.toSeconds());
            poller.stop();
            poller.awaitStopped(grace);
        }

        @Override
        public boolean isAlive() {
            return true;
        }

        @Override
        public String describe() {
            return "watching " + source.describe() + " every " + config.pollInterval().toSeconds() + "s (pattern " + config.pattern() + ")";
        }
    }
}
