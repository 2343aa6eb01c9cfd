package io.audiopipeline.bench;

import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.queue.Delivery;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.queue.ReliableQueue;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Row 3: jobs/s through the reliable queue (enqueue → fetch → ack, no work) vs redis-benchmark LPUSH + RPOP. */
final class QueueBench {
    private static final String PAYLOAD = "{\"batch_id\":\"20250101-000000-abcdef\",\"opus_path\":\"/data/scratch/20250101-000000-abcdef/opus/%06d.opus\","
            + "\"original_filename\":\"calls/clip-%06d.mp3\",\"duration_seconds\":12.5}";

    static List<Row> run(BenchEnv e, int jobs, int reps) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int consumers : new int[] {1, 8}) {
            Row row = new Row("queue: " + jobs + " jobs, " + consumers + " consumer(s), enqueue → fetch → ack", "jobs/s");
            row.higherIsBetter = true;
            row.goal = "report";
            double commandsPerJob = 0;
            for (int rep = 0; rep < reps; rep++) {
                e.reset();
                long before = e.redisCommandsSoFar();
                row.pipeline.add(pipeline(e, jobs, consumers));
                commandsPerJob = (e.redisCommandsSoFar() - before) / (double) jobs;
                row.baseline.add(redisBenchmark(e, consumers));
            }
            row.extra.put("Redis commands per job", String.format(Locale.ROOT, "%.1f", commandsPerJob));
            row.extra.put("baseline", "redis-benchmark LPUSH+RPOP, " + consumers + " client(s)");
            rows.add(row);
        }
        return rows;
    }

    private static double pipeline(BenchEnv e, int jobs, int consumers) throws Exception {
        QueueKeys keys = new QueueKeys("bench");
        AtomicInteger acked = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        Thread producer = new Thread(() -> {
            ReliableQueue q = new ReliableQueue(e.redis, keys, "producer", Duration.ofSeconds(30), new JobCodec().mapper(), Clock.systemUTC());
            for (int i = 0; i < jobs; i++) {
                q.push(String.format(PAYLOAD, i, i));
            }
        });
        producer.start();
        for (int c = 0; c < consumers; c++) {
            ReliableQueue q = new ReliableQueue(e.redis, keys, "consumer-" + c, Duration.ofSeconds(30), new JobCodec().mapper(), Clock.systemUTC());
            q.heartbeat("{}");
            Thread t = new Thread(() -> {
                while (acked.get() < jobs) {
                    Optional<Delivery> d = q.fetch(Duration.ofMillis(100));
                    if (d.isPresent()) {
                        q.ack(d.get());
                        acked.incrementAndGet();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        producer.join();
        for (Thread t : threads) {
            t.join();
        }
        return jobs / ((System.nanoTime() - start) / 1e9);
    }

    private static double redisBenchmark(BenchEnv e, int clients) throws Exception {
        URI url = URI.create(e.env.get("REDIS_URL"));
        String out = PipelineRuns.output(List.of("redis-benchmark", "-h", url.getHost(), "-p", Integer.toString(url.getPort()),
                "-n", "100000", "-c", Integer.toString(clients), "-q", "-t", "lpush,rpop"));
        double lpush = rate(out, "LPUSH");
        double rpop = rate(out, "RPOP");
        // a job costs one LPUSH and one RPOP
        return 1 / (1 / lpush + 1 / rpop);
    }

    private static double rate(String out, String command) {
        Matcher m = Pattern.compile(command + ": ([0-9.]+) requests per second").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("redis-benchmark said: " + out);
        }
        return Double.parseDouble(m.group(1));
    }
}
