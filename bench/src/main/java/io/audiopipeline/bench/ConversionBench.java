package io.audiopipeline.bench;

import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.sandbox.ChildProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Row 1: a 200-file mp3 archive through the unpack worker vs the same conversions with xargs -P ffmpeg. */
final class ConversionBench {
    static Row run(BenchEnv e, int files, int reps) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        List<Path> mp3s = Workloads.speechMp3s(e.work.resolve("speech"), files);
        Path archive = Workloads.archiveOf(mp3s, e.work.resolve("conversion-" + files + ".tar.gz"));
        double audio = 0;
        for (Path p : mp3s) {
            audio += io.audiopipeline.sandbox.AudioFixtures.duration(p);
        }
        Row row = new Row("conversion: " + files + "-file mp3 archive (" + Math.round(audio) + " s of speech) → Opus", "s");
        row.goal = "≤ 1.10";
        Map<String, String> env = new HashMap<>(e.env);
        env.put("NODE_NAME", "bench-conv");
        env.put("SCRATCH_ROOT", e.work.resolve("scratch").toString());
        env.put("UNPACK_CONVERT_THREADS", Integer.toString(cores));
        for (int rep = 0; rep < reps; rep++) {
            e.reset();
            BatchCompletion.removeTree(e.work.resolve("scratch"));
            try (ChildProgram unpack = PipelineRuns.startAndAwait(e, "unpack-worker", env, QueueKeys.unpack())) {
                long start = System.nanoTime();
                UnpackJob job = PipelineRuns.publish(e, archive);
                BatchTracker tracker = new BatchTracker(e.redis);
                PipelineRuns.await(Duration.ofMinutes(10), () -> tracker.counts(job.batchId()).total() != null
                        && e.redis.llen(QueueKeys.transcribe("bench-conv").main()) == files, "conversion did not finish");
                row.pipeline.add((System.nanoTime() - start) / 1e9);
                unpack.terminate(60);
            }
            // the same conversions, same settings, on the already-extracted files
            Path raw = e.work.resolve("raw-conversion");
            BatchCompletion.removeTree(raw);
            Files.createDirectories(raw);
            PipelineRuns.timed(List.of("tar", "-xzf", archive.toString(), "-C", raw.toString()), Map.of(), e.work.resolve("logs/conversion-untar.log"));
            row.baseline.add(PipelineRuns.timed(List.of("bash", "-c", "find " + raw + " -name '*.mp3' -print0 | xargs -0 -P " + cores
                    + " -I{} ffmpeg -nostdin -hide_banner -loglevel error -y -i {} -vn -map_metadata -1 -ac 1 -ar 16000"
                    + " -c:a libopus -b:a 32k -application voip -f ogg {}.opus"), Map.of(), e.work.resolve("logs/conversion-raw.log")));
        }
        row.extra.put("includes", "S3 download, extraction, SHA-256, hand-off");
        return row;
    }
}
