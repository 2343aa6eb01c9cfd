package io.audiopipeline.unpack;

import io.audiopipeline.common.app.WorkerProgram;
import io.audiopipeline.common.app.WorkerService;
import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.worker.Worker;
import java.nio.file.Files;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code bin/unpack-worker}: queue:unpack → scratch → safe extract → ffmpeg → queue:transcribe:<node>. */
public final class UnpackWorkerMain {
    static final WorkerProgram PROGRAM = new WorkerProgram("unpack-worker", "unpack", 9102);

    private UnpackWorkerMain() {
    }

    public static void main(String[] args) {
        PROGRAM.main(UnpackWorkerMain::configure);
    }

    static WorkerProgram.Wiring configure(Env env, RuntimeConfig runtime) throws java.io.IOException {
        UnpackConfig config = UnpackConfig.from(env);
        ArchiveRetention retention = ArchiveRetention.from(env);
        Files.createDirectories(config.scratchRoot());
        return new WorkerProgram.Wiring() {
            @Override
            public int redisConnections() {
                return runtime.concurrency() + 4;
            }

            @Override
            public WorkerProgram.Service wire(WorkerProgram.Context c) {
                ExecutorService convertPool = c.resources().executor(Executors.newFixedThreadPool(config.convertThreads(), daemons("ffmpeg")));
                // renews the batch leases of this process's unpack jobs: one thread, a few Redis calls a visibility timeout
                ScheduledExecutorService leaseRenewals = c.resources().executor(
                        Executors.newSingleThreadScheduledExecutor(daemons("unpack-lease-renewal")));
                Worker<UnpackJob> worker = UnpackAssembly.worker(config, c.runtime(), c.workerId(), retention, c.infra().redis(),
                        c.infra().database(), c.infra().store(), convertPool, leaseRenewals, c.registry(), c.clock());
                return new WorkerService(worker, () -> "scratch " + config.scratchRoot() + ", " + config.convertThreads()
                        + " conversion thread(s)");
            }
        };
    }

    private static ThreadFactory daemons(String name) {
        AtomicInteger number = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + number.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
