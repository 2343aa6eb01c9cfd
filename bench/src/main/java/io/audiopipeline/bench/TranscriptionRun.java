package io.audiopipeline.bench;

import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.sandbox.ChildProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A GPU worker over a batch of short spoken files, with its peak RSS sampled. */
final class TranscriptionRun {
    private final double peakMb;

    private TranscriptionRun(double peakMb) {
        this.peakMb = peakMb;
    }

    double peakMb() {
        return peakMb;
    }

    static TranscriptionRun withRss(BenchEnv e, Map<String, String> env, int files) throws Exception {
        List<Path> clips = Workloads.shortSpeechOpus(e.work.resolve("short"), 20);
        String node = env.get("NODE_NAME");
        String batchId = BatchId.next(Clock.systemUTC());
        Path dir = Files.createDirectories(Path.of(env.get("SCRATCH_ROOT")).resolve(batchId).resolve("opus"));
        new BatchRepository(e.db).insertIfAbsent(batchId, "archives/x.tar", "x.tar", null, null, Instant.now());
        BatchTracker tracker = new BatchTracker(e.redis);
        List<String> names = new java.util.ArrayList<>();
        List<Path> paths = new java.util.ArrayList<>();
        for (int i = 0; i < files; i++) {
            names.add("m-" + i + ".mp3");
            paths.add(Files.copy(clips.get(i % clips.size()), dir.resolve(String.format("%05d.opus", i))));
        }
        BenchHandOff.record(e, batchId, node, names, paths);
        JobCodec codec = new JobCodec();
        try (ChildProgram gpu = PipelineRuns.startAndAwait(e, "gpu-worker", env, QueueKeys.transcribe(node));
             RssSampler rss = new RssSampler(gpu.pid())) {
            for (int i = 0; i < files; i++) {
                Path f = paths.get(i);
                new JobPublisher(e.redis, Duration.ofDays(1)).publishOnce(QueueKeys.transcribe(node), batchId, "m-" + i + ".mp3",
                        codec.encode(new TranscriptionJob(batchId, f.toString(), "m-" + i + ".mp3", null, null)));
            }
            PipelineRuns.await(Duration.ofMinutes(30), () -> tracker.counts(batchId).processed() == files, "gpu run did not finish");
            double peak = rss.peakMb();
            gpu.terminate(120);
            return new TranscriptionRun(peak);
        }
    }
}
