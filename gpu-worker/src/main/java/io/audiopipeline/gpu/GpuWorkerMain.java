package io.audiopipeline.gpu;

import io.audiopipeline.common.app.UnavailableException;
import io.audiopipeline.common.app.WorkerProgram;
import io.audiopipeline.common.app.WorkerService;
import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.worker.Worker;

/** {@code bin/gpu-worker}: queue:transcribe:<node> → bridge → PostgreSQL + S3 → batch counters. */
public final class GpuWorkerMain {
    static final WorkerProgram PROGRAM = new WorkerProgram("gpu-worker", "gpu", 9103);

    private GpuWorkerMain() {
    }

    public static void main(String[] args) {
        PROGRAM.main(GpuWorkerMain::configure);
    }

    static WorkerProgram.Wiring configure(Env env, RuntimeConfig runtime) {
        GpuConfig config = GpuConfig.from(env);
        ArchiveRetention retention = ArchiveRetention.from(env);
        return new WorkerProgram.Wiring() {
            @Override
            public int redisConnections() {
                return config.devices().size() + 6;
            }

            @Override
            public WorkerProgram.Service wire(WorkerProgram.Context c) throws InterruptedException {
                GpuMetrics metrics = new GpuMetrics(c.registry());
                BridgePool bridges = c.resources().add(new BridgePool(config, new JobCodec().mapper(), metrics));
                try {
                    bridges.startAll();
                } catch (BridgeFailure e) {
                    throw new UnavailableException(e.getMessage());
                }
                Worker<TranscriptionJob> worker = GpuAssembly.worker(config, c.runtime(), c.workerId(), retention, c.infra().redis(),
                        c.infra().database(), c.infra().store(), bridges, metrics, c.registry(), c.clock());
                return new WorkerService(worker, () -> "engine " + config.engine().name().toLowerCase() + ", " + bridges.size()
                        + " bridge(s) on " + config.devices() + ", pids " + bridges.pids());
            }
        };
    }
}
