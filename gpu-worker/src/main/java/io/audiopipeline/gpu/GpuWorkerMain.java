package io.audiopipeline.gpu;

import io.audiopipeline.common.app.UnavailableException;
import io.audiopipeline.common.app.WorkerProgram;
import io.audiopipeline.common.app.WorkerService;
import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.worker.Worker;
import io.audiopipeline.common.worker.WorkerMetrics;
import java.util.ArrayList;
import java.util.List;

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
        LabelerConfig labelling = LabelerConfig.from(env, config);
        ArchiveRetention retention = ArchiveRetention.from(env);
        return new WorkerProgram.Wiring() {
            @Override
            public int redisConnections() {
                return config.devices().size() + (labelling.enabled() ? 9 : 6);
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
                LabelerBridge labeller = labelling.enabled() ? c.resources().add(new LabelerBridge(labelling, new JobCodec().mapper(), metrics)) : null;
                if (labeller != null) {
                    try {
                        labeller.start();
                    } catch (BridgeFailure e) {
                        throw new UnavailableException("labeller: " + e.getMessage());
                    }
                }
                TranscriptLabeler labeler = GpuAssembly.labeler(labelling, labeller, c.infra().database(), metrics);
                WorkerMetrics workerMetrics = new WorkerMetrics(c.registry());
                List<Worker<?>> workers = new ArrayList<>();
                workers.add(GpuAssembly.worker(config, c.runtime(), c.workerId(), retention, c.infra().redis(),
                        c.infra().database(), c.infra().store(), bridges, labeler, metrics, workerMetrics, c.clock()));
                if (labeller != null) {
                    workers.add(GpuAssembly.labelWorker(c.runtime(), c.workerId(), c.infra().redis(), c.infra().database(), labeler,
                            workerMetrics, c.clock()));
                }
                return new WorkerService(workers, () -> "engine " + config.engine().name().toLowerCase() + ", " + bridges.size()
                        + " bridge(s) on " + config.devices() + ", pids " + bridges.pids() + (labeller == null ? ", no labeller"
                        : ", labeller " + labelling.engine().name().toLowerCase().replace('_', '-') + " (pid " + labeller.pid()
                        + ") on the policies in " + labelling.policies().dir() + ", also on queue:label"));
            }
        };
    }
}
