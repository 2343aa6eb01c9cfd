package io.audiopipeline.bench;

import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.sandbox.ArchiveBuilder;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.LocalPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The load test: many batches of 1-second clips through 1 transfer, 2 unpack and 2 GPU worker processes
 * on one node, without faults. Reports jobs/s per stage, p50/p99 latency per stage, Redis commands per
 * file and database round trips (transactions) per file. Two shapes: many one-clip batches with the CPU
 * engine (latency end to end), and fewer batches of many clips with the instant engine (what one file of
 * a real batch costs in Redis and database work, apart from the per-batch work).
 */
final class LoadBench {
    private static final List<String> WORKERS = List.of("unpack-worker", "unpack-worker", "gpu-worker", "gpu-worker", "transfer-worker");
    private static final Duration LIMIT = Duration.ofMinutes(30);

    private LoadBench() {
    }

    /** The shape of one load run: how many batches of how many clips, and which engine transcribes them. */
    record Shape(int batches, int clipsPerBatch, boolean instantEngine) {
        int files() {
            return batches * clipsPerBatch;
        }

        String describe() {
            return String.format(Locale.ROOT, "%d batches of %d 1-second clip%s, 1 transfer + 2 unpack + 2 GPU workers, %s", batches,
                    clipsPerBatch, clipsPerBatch == 1 ? "" : "s", instantEngine ? "instant engine" : "CPU engine");
        }
    }

    static String run(BenchEnv e, Shape shape) throws Exception {
        e.reset();
        Path inbox = emptied(e.work.resolve("load-inbox"));
        Path scratch = emptied(e.work.resolve("load-scratch"));
        List<Path> archives = archives(e, shape);
        Map<String, String> env = LocalPipeline.env(e.env, "load-node", scratch, e.work.resolve("load-staging"), inbox);
        env.put("JAVA_OPTS", e.env.get("JAVA_OPTS"));
        env.put("UNPACK_CONVERT_THREADS", "1");
        if (shape.instantEngine()) {
            env.put("BRIDGE_DIR", OrchestrationBench.instantBridge(e).toString());
        }
        Map<String, Long> redisBefore = e.redisCallsByCommand();
        long dbBefore = transactions(e);
        ResultsConsumer consumer = new ResultsConsumer(e);
        long ownQueries = runToCompletion(e, env, archives, inbox, consumer);
        // the bench's own commands and queries (its polls, its consumer, the count just above) are not the pipeline's
        Map<String, Long> redisCalls = callsSince(redisBefore, e.redisCallsByCommand());
        long redisCommands = redisCalls.values().stream().mapToLong(Long::longValue).sum() - consumer.commands();
        long dbTransactions = transactions(e) - dbBefore - ownQueries - 1;
        return report(e, shape, redisCommands, dbTransactions) + byCommand(redisCalls, shape.files()) + consumer.report();
    }

    private static Map<String, Long> callsSince(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> calls = new java.util.TreeMap<>();
        after.forEach((command, n) -> {
            long since = n - before.getOrDefault(command, 0L);
            if (since > 0) {
                calls.put(command, since);
            }
        });
        return calls;
    }

    /** Where the Redis commands go: calls per file of each command (the bench's own consumer and polls included). */
    private static String byCommand(Map<String, Long> calls, int files) {
        StringBuilder out = new StringBuilder("Redis calls per file by command (the bench's consumer included):");
        calls.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .filter(c -> c.getValue() * 100 >= files)
                .forEach(c -> out.append(String.format(Locale.ROOT, " %s %.2f,", c.getKey(), c.getValue() / (double) files)));
        out.setLength(out.length() - 1);
        return out.append("\n\n").toString();
    }

    private static Path emptied(Path dir) throws Exception {
        BatchCompletion.removeTree(dir);
        return Files.createDirectories(dir);
    }

    /** The shape's tars of 1-second spoken clips (kept between runs). */
    private static List<Path> archives(BenchEnv e, Shape shape) throws Exception {
        Path clip = Workloads.shortSpeechOpus(e.work.resolve("short"), 1).get(0);
        Path dir = Files.createDirectories(e.work.resolve("load-archives-" + shape.clipsPerBatch()));
        List<Path> made = new ArrayList<>();
        for (int i = 0; i < shape.batches(); i++) {
            Path a = dir.resolve("load-" + i + ".tar");
            if (!Files.exists(a)) {
                ArchiveBuilder archive = new ArchiveBuilder();
                for (int c = 0; c < shape.clipsPerBatch(); c++) {
                    archive.file("calls/clip-" + i + "-" + c + ".opus", clip);
                }
                archive.writeTar(a);
            }
            made.add(a);
        }
        return made;
    }

    /** Starts the workers, drops the archives in the inbox, waits for every batch; returns the database queries it made itself. */
    private static long runToCompletion(BenchEnv e, Map<String, String> env, List<Path> archives, Path inbox, ResultsConsumer consumer)
            throws Exception {
        List<ChildProgram> processes = new ArrayList<>();
        long polls = 0;
        try {
            for (String program : WORKERS) {
                processes.add(ChildProgram.start(program, env, e.work.resolve("logs")));
            }
            Thread.sleep(3_000);
            consumer.start();
            for (Path a : archives) {
                Files.copy(a, inbox.resolve(a.getFileName()));
            }
            // poll once a second: the polls are the bench's own database round trips
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (e.completedBatches() != archives.size()) {
                polls++;
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("load run did not finish within " + LIMIT.toMinutes() + " minutes");
                }
                Thread.sleep(1_000);
            }
            consumer.awaitEvents(Duration.ofSeconds(60));
            return polls + 1;
        } finally {
            consumer.stop();
            for (ChildProgram p : processes) {
                p.terminate(120);
            }
        }
    }

    private static String report(BenchEnv e, Shape shape, long redisCommands, long dbTransactions) throws Exception {
        StringBuilder out = new StringBuilder(shape.describe()).append(":\n\n");
        out.append("| stage | jobs | jobs/s | p50 latency (s) | p99 latency (s) |\n|---|---|---|---|---|\n");
        out.append(stage(e, "transfer (archive listed → unpack job enqueued)",
                "SELECT extract(epoch FROM b.created_at) AS done, extract(epoch FROM b.created_at - t.created_at) FROM batches b "
                        + "JOIN transfers t USING (batch_id)"));
        out.append(stage(e, "unpack (job enqueued → transcription jobs enqueued)",
                "SELECT extract(epoch FROM ev.at), extract(epoch FROM ev.at - b.created_at) FROM batches b "
                        + "JOIN pipeline_events ev ON ev.batch_id = b.batch_id AND ev.event = 'unpacked'"));
        out.append(stage(e, "transcribe (transcription job enqueued → file counted)",
                "SELECT extract(epoch FROM f.updated_at), extract(epoch FROM f.updated_at - ev.at) FROM audio_files f "
                        + "JOIN pipeline_events ev ON ev.batch_id = f.batch_id AND ev.event = 'unpacked' WHERE f.status = 'completed'"));
        out.append(stage(e, "end to end (archive listed → batch completed)",
                "SELECT extract(epoch FROM b.completed_at), extract(epoch FROM b.completed_at - t.created_at) FROM batches b "
                        + "JOIN transfers t USING (batch_id)"));
        out.append(String.format(Locale.ROOT, "%nRedis commands per file: %.1f; database transactions (round trips) per file: %.1f%n%n",
                redisCommands / (double) shape.files(), dbTransactions / (double) shape.files()));
        return out.toString();
    }

    /**
     * The next system, as the README's consumer: takes each result event off {@code queue:results} and
     * measures its delivery latency, from the state change (the event's {@code created_at}, its
     * transaction's time) to its arrival here.
     */
    private static final class ResultsConsumer {
        private final BenchEnv e;
        private final List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        private final java.util.concurrent.atomic.AtomicLong commands = new java.util.concurrent.atomic.AtomicLong();
        private final com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        private volatile boolean running;
        private Thread thread;

        ResultsConsumer(BenchEnv e) {
            this.e = e;
        }

        void start() {
            running = true;
            thread = new Thread(() -> {
                while (running) {
                    List<String> popped = e.redis.brpop(1, "queue:results");
                    commands.incrementAndGet();
                    if (popped != null && popped.size() == 2) {
                        try {
                            java.time.Instant created = java.time.Instant.parse(json.readTree(popped.get(1)).path("created_at").asText());
                            latencies.add(java.time.Duration.between(created, java.time.Instant.now()).toNanos() / 1e6);
                        } catch (Exception ex) {
                            throw new IllegalStateException("not a result event: " + popped.get(1), ex);
                        }
                    }
                }
            }, "results-consumer");
            thread.setDaemon(true);
            thread.start();
        }

        /** Until the outbox holds nothing unpublished and the queue is drained. */
        void awaitEvents(Duration limit) throws Exception {
            long deadline = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() < deadline && (e.redis.llen("queue:results") > 0 || unpublished() > 0)) {
                Thread.sleep(200);
            }
        }

        private long unpublished() throws Exception {
            return e.db.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE published_at IS NULL").mapTo(Long.class).one());
        }

        void stop() throws InterruptedException {
            running = false;
            if (thread != null) {
                thread.join(5_000);
            }
        }

        long commands() {
            return commands.get();
        }

        String report() {
            List<Double> sorted = new ArrayList<>(latencies);
            sorted.sort(Double::compare);
            if (sorted.isEmpty()) {
                return "Result events: none received\n\n";
            }
            return String.format(Locale.ROOT, "Result events: %d received from queue:results; delivery latency (state change → consumer) "
                    + "p50 %.0f ms, p99 %.0f ms%n%n", sorted.size(), sorted.get(sorted.size() / 2),
                    sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99))));
        }
    }

    private static String stage(BenchEnv e, String name, String sql) throws Exception {
        List<double[]> rows = e.db.withHandle(h -> h.createQuery(sql)
                .map((rs, ctx) -> new double[] {rs.getDouble(1), rs.getDouble(2)}).list());
        double first = rows.stream().mapToDouble(r -> r[0]).min().orElse(0);
        double last = rows.stream().mapToDouble(r -> r[0]).max().orElse(0);
        double[] latencies = rows.stream().mapToDouble(r -> r[1]).sorted().toArray();
        double rate = rows.size() / Math.max(0.001, last - first);
        return String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f |%n", name, rows.size(), rate,
                latencies[latencies.length / 2], latencies[Math.min(latencies.length - 1, (int) (latencies.length * 0.99))]);
    }

    private static long transactions(BenchEnv e) throws Exception {
        return e.db.withHandle(h -> h.createQuery("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")
                .mapTo(Long.class).one());
    }
}
