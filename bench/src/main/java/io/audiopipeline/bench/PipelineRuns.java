package io.audiopipeline.bench;

import io.audiopipeline.common.archive.ArchivePublisher;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueInspector;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.storage.TransferProgress;
import io.audiopipeline.sandbox.ChildProgram;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Helpers shared by the benchmark rows: start a worker and wait for it, publish, wait, run a command. */
final class PipelineRuns {
    private PipelineRuns() {
    }

    static ChildProgram startAndAwait(BenchEnv e, String program, Map<String, String> env, QueueKeys queue) throws Exception {
        ChildProgram p = ChildProgram.start(program, env, e.work.resolve("logs"));
        QueueInspector inspector = new QueueInspector(e.redis, new JobCodec().mapper());
        await(Duration.ofMinutes(2), () -> !inspector.liveWorkers(queue).isEmpty(), program + " did not start; see " + p.logFile());
        return p;
    }

    static UnpackJob publish(BenchEnv e, Path archive) throws Exception {
        ArchivePublisher publisher = new ArchivePublisher(e.store, new BatchRepository(e.db), new EventLog(e.db, "bench"),
                new JobPublisher(e.redis, Duration.ofDays(1)), new JobCodec(), Clock.systemUTC());
        return publisher.publish(BatchId.next(Clock.systemUTC()), archive, archive.getFileName().toString(), TransferProgress.NONE);
    }

    static void await(Duration limit, BooleanSupplier condition, String failure) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(failure);
            }
            Thread.sleep(20);
        }
    }

    /** Runs a command; returns its wall time in seconds. Its output is kept in {@code log}. */
    static double timed(List<String> command, Map<String, String> env, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        java.nio.file.Files.createDirectories(log.getParent());
        java.nio.file.Files.writeString(log, out);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    static String output(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(10, TimeUnit.MINUTES);
        return out;
    }
}
