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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Row 4: files through the GPU worker with the CPU engine vs the same engine called directly in a loop
 * (same process model: one engine object, one process), plus the bridge's busy fraction and the
 * per-file orchestration overhead (database, S3 upload, counters).
 */
final class TranscriptionBench {
    static Row run(BenchEnv e, int files, int reps) throws Exception {
        List<Path> clips = Workloads.shortSpeechOpus(e.work.resolve("short"), 20);
        Row row = new Row("transcription path: " + files + " short files, CPU engine", "s");
        row.goal = "≤ 1.05";
        List<Double> busy = new ArrayList<>();
        List<Double> overheads = new ArrayList<>();
        List<Double> engineInside = new ArrayList<>();
        Map<String, String> env = new HashMap<>(e.env);
        env.put("NODE_NAME", "bench-gpu");
        env.put("TRANSCRIBER", "pocketsphinx");
        Path scratch = e.work.resolve("gpu-scratch");
        env.put("SCRATCH_ROOT", scratch.toString());
        for (int rep = 0; rep < reps; rep++) {
            e.reset();
            BatchCompletion.removeTree(scratch);
            String batchId = BatchId.next(Clock.systemUTC());
            Path dir = Files.createDirectories(scratch.resolve(batchId).resolve("opus"));
            List<Path> batchFiles = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                batchFiles.add(Files.copy(clips.get(i % clips.size()), dir.resolve(String.format("%04d.opus", i))));
            }
            new BatchRepository(e.db).insertIfAbsent(batchId, "archives/x.tar", "x.tar", null, null, Instant.now());
            BatchTracker tracker = new BatchTracker(e.redis);
            tracker.initialize(batchId, files, "archives/x.tar", "bench-gpu");
            try (ChildProgram gpu = PipelineRuns.startAndAwait(e, "gpu-worker", env, QueueKeys.transcribe("bench-gpu"))) {
                String metricsUrl = "http://127.0.0.1:" + port(gpu) + "/metrics";
                double busyBefore = busySeconds(metricsUrl);
                JobCodec codec = new JobCodec();
                long start = System.nanoTime();
                for (int i = 0; i < files; i++) {
                    // as the unpack worker's hand-off publishes them: the GPU worker takes only published files
                    new JobPublisher(e.redis, Duration.ofDays(1)).publishOnce(QueueKeys.transcribe("bench-gpu"), batchId, "clip-" + i + ".mp3",
                            codec.encode(new TranscriptionJob(batchId, batchFiles.get(i).toString(), "clip-" + i + ".mp3", null, null)));
                }
                PipelineRuns.await(Duration.ofMinutes(20), () -> tracker.counts(batchId).processed() == files, "transcription did not finish");
                double wall = (System.nanoTime() - start) / 1e9;
                row.pipeline.add(wall);
                busy.add((busySeconds(metricsUrl) - busyBefore) / wall);
                overheads.addAll(overheadsMs(e, batchId));
                engineInside.add(engineSeconds(e, batchId));
                gpu.terminate(120);
            }
            BatchCompletion.removeTree(scratch);
            Files.createDirectories(dir);
            for (int i = 0; i < files; i++) {
                Files.copy(clips.get(i % clips.size()), dir.resolve(String.format("%04d.opus", i)));
            }
            row.baseline.add(directLoop(e, dir));
        }
        overheads.sort(Double::compare);
        row.extra.put("engine time inside the pipeline (s)", String.format(Locale.ROOT, "%.1f", Row.median(engineInside)));
        row.extra.put("bridge busy fraction", String.format(Locale.ROOT, "%.2f (goal ≥ 0.95)", Row.median(busy)));
        row.extra.put("orchestration per file p50/p99 ms", String.format(Locale.ROOT, "%.0f / %.0f",
                overheads.get(overheads.size() / 2), overheads.get(Math.min(overheads.size() - 1, (int) (overheads.size() * 0.99)))));
        return row;
    }

    /** Per file: time from registering the row to completing it, minus the bridge's transcription time. */
    private static List<Double> overheadsMs(BenchEnv e, String batchId) throws Exception {
        return e.db.withHandle(h -> h.createQuery("SELECT (extract(epoch FROM f.updated_at - f.created_at) - t.processing_seconds) * 1000 "
                        + "FROM audio_files f JOIN transcripts t USING (audio_id) WHERE f.batch_id = ?")
                .bind(0, batchId).mapTo(Double.class).list());
    }

    private static double engineSeconds(BenchEnv e, String batchId) throws Exception {
        return e.db.withHandle(h -> h.createQuery("SELECT coalesce(sum(t.processing_seconds), 0) FROM transcripts t "
                        + "JOIN audio_files f USING (audio_id) WHERE f.batch_id = ?")
                .bind(0, batchId).mapTo(Double.class).one());
    }

    private static double directLoop(BenchEnv e, Path dir) throws Exception {
        String script = "import sys, os, time\nsys.path.insert(0, sys.argv[1])\nimport pocketsphinx_bridge as b\n"
                + "engine = b.PocketSphinxEngine(b.load_decoder(b.MODEL_DIR))\nfiles = sorted(os.path.join(sys.argv[2], f) for f in os.listdir(sys.argv[2]))\n"
                + "start = time.time()\nfor f in files:\n    engine.transcribe(f, None)\nprint(time.time() - start)\n";
        String out = PipelineRuns.output(List.of("/usr/bin/python3", "-c", script, e.root.resolve("gpu-worker/bridge").toString(), dir.toString()));
        String[] lines = out.strip().split("\n");
        return Double.parseDouble(lines[lines.length - 1]);
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
}
