package io.audiopipeline.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * bench/run: each stage against the raw tool it wraps, measured side by side in one run, several
 * repetitions, median and range; prints a markdown table and writes bench/results/latest.json.
 * {@code --quick} runs smaller workloads (for a smoke run); the default is the full configuration.
 * {@code --only conversion,transfer,queue,transcription,memory,load} runs some sections (results in partial.json).
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int only = List.of(args).indexOf("--only");
        java.util.Set<String> sections = only >= 0 && only + 1 < args.length ? java.util.Set.of(args[only + 1].split(","))
                : java.util.Set.of("conversion", "transfer", "queue", "transcription", "orchestration", "memory", "load");
        Path root = Path.of(System.getenv().getOrDefault("PIPELINE_PROJECT_ROOT", ".")).toAbsolutePath().normalize();
        List<Row> rows = new ArrayList<>();
        Map<String, Double> memory;
        String load;
        long started = System.nanoTime();
        try (BenchEnv env = new BenchEnv(root)) {
            if (sections.contains("conversion")) {
                progress("conversion");
                rows.add(ConversionBench.run(env, quick ? 40 : 200, quick ? 2 : 3));
            }
            if (sections.contains("transfer")) {
                progress("transfer");
                rows.add(TransferBench.run(env, quick ? 256 : 1024, quick ? 3 : 5));
            }
            if (sections.contains("queue")) {
                progress("queue");
                rows.addAll(QueueBench.run(env, quick ? 5_000 : 20_000, 3));
            }
            if (sections.contains("transcription")) {
                progress("transcription");
                rows.add(TranscriptionBench.run(env, quick ? 30 : 100, 2));
            }
            if (sections.contains("orchestration")) {
                progress("orchestration");
                rows.add(OrchestrationBench.run(env, quick ? 200 : 1000, quick ? 2 : 3));
            }
            memory = new LinkedHashMap<>();
            if (sections.contains("memory")) {
                progress("memory");
                memory = MemoryBench.run(env, quick ? 512 : 2048, quick ? 200 : 1000, quick ? 50 : 200);
            }
            load = "";
            if (sections.contains("load")) {
                progress("load");
                load = LoadBench.run(env, quick ? 40 : 200);
            }
        }
        StringBuilder table = new StringBuilder(Row.header()).append('\n');
        rows.forEach(r -> table.append(r.markdown()).append('\n'));
        table.append('\n').append(MemoryBench.markdown(memory));
        table.append("\nLoad test, no faults:\n\n").append(load);
        System.out.println();
        System.out.println(table);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("finished_at", Instant.now().toString());
        json.put("configuration", quick ? "quick" : "full");
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("wall_seconds", (System.nanoTime() - started) / 1e9);
        json.put("rows", rows.stream().map(Row::json).toList());
        json.put("peak_rss_mb", memory);
        json.put("markdown", table.toString());
        Path out = Files.createDirectories(root.resolve("bench/results")).resolve(only >= 0 ? "partial.json" : "latest.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
        System.out.println("results: " + out);
        System.exit(0);
    }

    private static void progress(String what) {
        System.err.println("[bench " + Instant.now() + "] " + what);
    }
}
