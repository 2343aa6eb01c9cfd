package io.audiopipeline.bench;

import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.sandbox.ChildProgram;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One batch of files through one GPU worker process, as the unpack worker leaves it (Opus files in scratch,
 * the batch row and counters, one published job per file): the wall time from the first job to the last
 * file counted, the bridge's busy fraction, and per file the orchestration (row to completion, minus the
 * bridge's own time).
 */
record GpuBatchRun(double wallSeconds, double busyFraction, List<Double> overheadsMs, double engineSeconds) {
    private static final String NODE = "bench-gpu";

    static GpuBatchRun of(BenchEnv e, Map<String, String> env, List<Path> clips, int files) throws Exception {
        e.reset();
        Path scratch = Path.of(env.get("SCRATCH_ROOT"));
        BatchCompletion.removeTree(scratch);
        String batchId = BatchId.next(Clock.systemUTC());
        Path dir = Files.createDirectories(scratch.resolve(batchId).resolve("opus"));
        List<Path> batchFiles = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            batchFiles.add(Files.copy(clips.get(i % clips.size()), dir.resolve(String.format("%04d.opus", i))));
        }
        new BatchRepository(e.db).insertIfAbsent(batchId, "archives/x.tar", "x.tar", null, null, Instant.now());
        BatchTracker tracker = new BatchTracker(e.redis);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            names.add("clip-" + i + ".mp3");
        }
        BenchHandOff.record(e, batchId, NODE, names, batchFiles);
        try (ChildProgram gpu = PipelineRuns.startAndAwait(e, "gpu-worker", env, QueueKeys.transcribe(NODE))) {
            String metricsUrl = "http://127.0.0.1:" + port(gpu) + "/metrics";
            double busyBefore = busySeconds(metricsUrl);
            JobCodec codec = new JobCodec();
            JobPublisher publisher = new JobPublisher(e.redis, Duration.ofDays(1));
            long start = System.nanoTime();
            for (int i = 0; i < files; i++) {
                // as the unpack worker's hand-off publishes them: the GPU worker takes only published files
                publisher.publishOnce(QueueKeys.transcribe(NODE), batchId, "clip-" + i + ".mp3",
                        codec.encode(new TranscriptionJob(batchId, batchFiles.get(i).toString(), "clip-" + i + ".mp3", null, null)));
            }
            PipelineRuns.await(Duration.ofMinutes(20), () -> tracker.counts(batchId).processed() == files, "transcription did not finish");
            double wall = (System.nanoTime() - start) / 1e9;
            double busy = (busySeconds(metricsUrl) - busyBefore) / wall;
            gpu.terminate(120);
            return new GpuBatchRun(wall, busy, overheadsMs(e, batchId), engineSeconds(e, batchId));
        }
    }

    /** The environment of a GPU worker on the bench's node, its scratch under the bench's work dir. */
    static Map<String, String> env(BenchEnv e, String scratchName) {
        Map<String, String> env = new java.util.HashMap<>(e.env);
        env.put("NODE_NAME", NODE);
        env.put("TRANSCRIBER", "pocketsphinx");
        env.put("SCRATCH_ROOT", e.work.resolve(scratchName).toString());
        return env;
    }

    /** Per file: time from the job's claim on its row to the row's completion, minus the bridge's transcription time. */
    private static List<Double> overheadsMs(BenchEnv e, String batchId) throws Exception {
        return e.db.withHandle(h -> h.createQuery("SELECT (extract(epoch FROM f.updated_at - f.claimed_at) - t.processing_seconds) * 1000 "
                        + "FROM audio_files f JOIN transcripts t USING (audio_id) WHERE f.batch_id = ?")
                .bind(0, batchId).mapTo(Double.class).list());
    }

    private static double engineSeconds(BenchEnv e, String batchId) throws Exception {
        return e.db.withHandle(h -> h.createQuery("SELECT coalesce(sum(t.processing_seconds), 0) FROM transcripts t "
                        + "JOIN audio_files f USING (audio_id) WHERE f.batch_id = ?")
                .bind(0, batchId).mapTo(Double.class).one());
    }

    private static int port(ChildProgram gpu) throws Exception {
        Pattern p = Pattern.compile("health on :(\\d+)");
        for (int i = 0; i < 100; i++) {
            Matcher m = p.matcher(gpu.output());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no health port in " + gpu.logFile());
    }

    private static double busySeconds(String url) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("audio_pipeline_bridge_busy_seconds_total ([0-9.eE+-]+)").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** The p-th percentile (0..1) of sorted values. */
    static double percentile(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * p)));
    }
}
