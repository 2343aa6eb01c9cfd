package io.audiopipeline.bench;

import io.audiopipeline.common.batch.BatchCompletion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Files through the GPU worker with the CPU engine vs the same engine called directly in a loop (same
 * process model: one decoder, model loaded once, one process), plus the bridge's busy fraction, the engine's
 * time per file and the per-file orchestration overhead (database, S3 upload, counters).
 */
final class TranscriptionBench {
    private TranscriptionBench() {
    }

    static Row run(BenchEnv e, int files, int reps) throws Exception {
        List<Path> clips = Workloads.shortSpeechOpus(e.work.resolve("short"), 20);
        Row row = new Row("transcription path: " + files + " 1-second files, CPU engine in process", "s");
        row.goal = "≤ 1.05";
        List<Double> busy = new ArrayList<>();
        List<Double> overheads = new ArrayList<>();
        List<Double> engineInside = new ArrayList<>();
        Map<String, String> env = GpuBatchRun.env(e, "gpu-scratch");
        for (int rep = 0; rep < reps; rep++) {
            GpuBatchRun run = GpuBatchRun.of(e, env, clips, files);
            row.pipeline.add(run.wallSeconds());
            busy.add(run.busyFraction());
            overheads.addAll(run.overheadsMs());
            engineInside.add(run.engineSeconds());
            row.baseline.add(directLoop(e, clips, files));
        }
        overheads.sort(Double::compare);
        row.extra.put("engine time per file inside the pipeline (ms)", String.format(Locale.ROOT, "%.0f",
                Row.median(engineInside) * 1000 / files));
        row.extra.put("bridge busy fraction", String.format(Locale.ROOT, "%.2f (goal ≥ 0.95)", Row.median(busy)));
        row.extra.put("orchestration per file p50/p99 ms (engine on the same cores)", String.format(Locale.ROOT, "%.0f / %.0f",
                GpuBatchRun.percentile(overheads, 0.5), GpuBatchRun.percentile(overheads, 0.99)));
        return row;
    }

    /** The baseline: the same decoder object in a loop over the same files, in one Python process. */
    private static double directLoop(BenchEnv e, List<Path> clips, int files) throws Exception {
        Path dir = e.work.resolve("direct-loop");
        BatchCompletion.removeTree(dir);
        Files.createDirectories(dir);
        for (int i = 0; i < files; i++) {
            Files.copy(clips.get(i % clips.size()), dir.resolve(String.format("%04d.opus", i)));
        }
        String script = "import sys, os, time\nsys.path.insert(0, sys.argv[1])\nimport pocketsphinx_bridge as b\n"
                + "engine = b.PocketSphinxEngine(b.load_decoder(b.MODEL_DIR))\nfiles = sorted(os.path.join(sys.argv[2], f) for f in os.listdir(sys.argv[2]))\n"
                + "start = time.time()\nfor f in files:\n    engine.transcribe(f, None)\nprint(time.time() - start)\n";
        String out = PipelineRuns.output(List.of("/usr/bin/python3", "-c", script, e.root.resolve("gpu-worker/bridge").toString(), dir.toString()));
        String[] lines = out.strip().split("\n");
        return Double.parseDouble(lines[lines.length - 1]);
    }
}
