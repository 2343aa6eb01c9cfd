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
import java.util.Set;

/**
 * bench/run: each stage against the raw tool it wraps, measured side by side in one run, several
 * repetitions, median and range; prints a markdown table and writes bench/results/latest.json.
 * {@code --quick} runs smaller workloads (for a smoke run); the default is the full configuration.
 * {@code --only conversion,transfer,queue,transcription,orchestration,memory,load} runs some sections
 * (results in partial.json).
 */
public final class BenchMain {
    private static final List<String> SECTIONS = List.of("conversion", "transfer", "queue", "transcription", "orchestration", "memory",
            "load");

    /** What one run measured, section by section. */
    private static final class Results {
        final List<Row> rows = new ArrayList<>();
        Map<String, Double> memory = new LinkedHashMap<>();
        String load = "";
    }

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int only = List.of(args).indexOf("--only");
        Set<String> sections = only >= 0 && only + 1 < args.length ? Set.of(args[only + 1].split(",")) : Set.copyOf(SECTIONS);
        Path root = Path.of(System.getenv().getOrDefault("PIPELINE_PROJECT_ROOT", ".")).toAbsolutePath().normalize();
        long started = System.nanoTime();
        Results results = new Results();
        try (BenchEnv env = new BenchEnv(root)) {
            for (String section : SECTIONS) {
                if (sections.contains(section)) {
                    progress(section);
                    run(section, env, quick, results);
                }
            }
        }
        write(results, root, quick, only >= 0, (System.nanoTime() - started) / 1e9);
        System.exit(0);
    }

    /**
     * One section, at the full or the quick size (the quick one measures the same things on less). The full
     * sizes are the smallest whose medians came out as the larger ones' did (per file, per MB or per job),
     * so that the whole run stays under 15 minutes on two cores.
     */
    private static void run(String section, BenchEnv env, boolean quick, Results results) throws Exception {
        switch (section) {
            case "conversion" -> results.rows.add(ConversionBench.run(env, quick ? 40 : 100, quick ? 2 : 3));
            case "transfer" -> {
                results.rows.add(TransferBench.run(env, quick ? 256 : 512, quick ? 3 : 7));
                results.rows.add(TransferBench.runSftp(env, quick ? 128 : 256, quick ? 2 : 5));
            }
            case "queue" -> results.rows.addAll(QueueBench.run(env, quick ? 5_000 : 10_000, 3));
            case "transcription" -> {
                results.rows.add(TranscriptionBench.run(env, quick ? 30 : 60, 2));
                results.rows.add(AccuracyBench.run(env));
            }
            case "orchestration" -> results.rows.add(OrchestrationBench.run(env, quick ? 200 : 600, quick ? 2 : 3));
            case "memory" -> results.memory = MemoryBench.run(env, quick ? 256 : 512, quick ? 100 : 300, quick ? 50 : 100);
            case "load" -> results.load = LoadBench.run(env, new LoadBench.Shape(quick ? 40 : 60, 1, false))
                    + LoadBench.run(env, new LoadBench.Shape(quick ? 4 : 10, quick ? 20 : 50, true));
            default -> throw new IllegalArgumentException("no bench section " + section);
        }
    }

    private static void write(Results results, Path root, boolean quick, boolean partial, double wallSeconds) throws Exception {
        StringBuilder table = new StringBuilder(Row.header()).append('\n');
        results.rows.forEach(r -> table.append(r.markdown()).append('\n'));
        table.append('\n').append(MemoryBench.markdown(results.memory));
        table.append("\nLoad test, no faults:\n\n").append(results.load);
        System.out.println();
        System.out.println(table);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("finished_at", Instant.now().toString());
        json.put("configuration", quick ? "quick" : "full");
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("wall_seconds", wallSeconds);
        json.put("rows", results.rows.stream().map(Row::json).toList());
        json.put("peak_rss_mb", results.memory);
        json.put("markdown", table.toString());
        Path out = Files.createDirectories(root.resolve("bench/results")).resolve(partial ? "partial.json" : "latest.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
        System.out.println("results: " + out);
    }

    private static void progress(String what) {
        System.err.println("[bench " + Instant.now() + "] " + what);
    }
}
