package io.audiopipeline.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The orchestration alone: one GPU worker over many files with the instant engine (the real protocol,
 * answered at once), so files/s and the per-file overhead are the worker's own (queue, database, S3
 * upload, counters), as on a GPU node where the engine does not share the worker's cores.
 */
final class OrchestrationBench {
    private OrchestrationBench() {
    }

    static Row run(BenchEnv e, int files, int reps) throws Exception {
        List<Path> clips = Workloads.shortSpeechOpus(e.work.resolve("short"), 20);
        Map<String, String> env = GpuBatchRun.env(e, "orchestration-scratch");
        env.put("BRIDGE_DIR", instantBridge(e).toString());
        Row row = new Row("orchestration: " + files + " files through one GPU worker, instant engine", "files/s");
        row.goal = "≥ 50 files/s; overhead p50 ≤ 15 ms, p99 ≤ 50 ms";
        row.higherIsBetter = true;
        List<Double> overheads = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            GpuBatchRun run = GpuBatchRun.of(e, env, clips, files);
            row.pipeline.add(files / run.wallSeconds());
            overheads.addAll(run.overheadsMs());
        }
        overheads.sort(Double::compare);
        row.extra.put("orchestration per file p50/p99 ms", String.format(Locale.ROOT, "%.1f / %.1f",
                GpuBatchRun.percentile(overheads, 0.5), GpuBatchRun.percentile(overheads, 0.99)));
        return row;
    }

    /** A bridge directory holding the real protocol module and the instant engine under the CPU engine's name. */
    static Path instantBridge(BenchEnv e) throws Exception {
        Path dir = Files.createDirectories(e.work.resolve("instant-bridge"));
        Files.copy(e.root.resolve("gpu-worker/bridge/bridge_protocol.py"), dir.resolve("bridge_protocol.py"), StandardCopyOption.REPLACE_EXISTING);
        try (InputStream engine = OrchestrationBench.class.getResourceAsStream("/instant-bridge/pocketsphinx_bridge.py")) {
            Files.copy(engine, dir.resolve("pocketsphinx_bridge.py"), StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }
}
