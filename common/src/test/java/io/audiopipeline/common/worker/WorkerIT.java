package io.audiopipeline.common.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.http.HealthServer;
import io.audiopipeline.common.http.ReadinessCheck;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.queue.DeadLetters;
import io.audiopipeline.common.queue.QueueInspector;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.queue.QueueStats;
import io.audiopipeline.common.testing.TestServers;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;

class WorkerIT {
    private static UnifiedJedis redis;
    private final JobCodec codec = new JobCodec();
    private final QueueKeys keys = new QueueKeys("worker-it-" + UUID.randomUUID());

    @BeforeAll
    static void connect() {
        redis = TestServers.redis();
    }

    @AfterAll
    static void close() {
        redis.close();
    }

    private RuntimeConfig config(int concurrency, int maxAttempts) {
        Map<String, String> env = new HashMap<>();
        env.put("NODE_NAME", "test-node");
        env.put("WORKER_CONCURRENCY", Integer.toString(concurrency));
        env.put("MAX_ATTEMPTS", Integer.toString(maxAttempts));
        env.put("VISIBILITY_TIMEOUT", "3s");
        env.put("RETRY_BASE_DELAY", "10ms");
        env.put("RETRY_MAX_DELAY", "40ms");
        env.put("SHUTDOWN_GRACE_PERIOD", "10s");
        return RuntimeConfig.from(new Env(env), 0, concurrency);
    }

    private Worker<TranscriptionJob> worker(RuntimeConfig config, JobHandler<TranscriptionJob> handler) {
        return new Worker<>("test", redis, keys, config, handler, codec, new WorkerMetrics(new PrometheusRegistry()), Clock.systemUTC());
    }

    private static String job(int n) {
        return "{\"batch_id\":\"20250101-000000-abcdef\",\"opus_path\":\"/scratch/" + n + ".opus\",\"original_filename\":\"f" + n + ".wav\"}";
    }

    private static int number(TranscriptionJob job) {
        return Integer.parseInt(job.originalFilename().replace("f", "").replace(".wav", ""));
    }

    /** A handler that fails transiently on the first attempts of some jobs and records each success. */
    private static final class FlakyHandler implements JobHandler<TranscriptionJob> {
        final Map<Integer, AtomicInteger> successes = new ConcurrentHashMap<>();
        final Map<Integer, Integer> succeededOnAttempt = new ConcurrentHashMap<>();

        @Override
        public Class<TranscriptionJob> jobType() {
            return TranscriptionJob.class;
        }

        @Override
        public void handle(TranscriptionJob job, int attempt) throws IOException {
            int n = number(job);
            int failuresWanted = n % 50 == 0 ? 2 : n % 10 == 0 ? 1 : 0;
            if (attempt <= failuresWanted) {
                throw new IOException("transient failure of job " + n + " on attempt " + attempt);
            }
            successes.computeIfAbsent(n, k -> new AtomicInteger()).incrementAndGet();
            succeededOnAttempt.put(n, attempt);
        }
    }

    @Test
    void aConnectionThatBrokeSinceStartUpDoesNotStopTheWorkerFromStarting() throws Exception {
        try (UnifiedJedis own = TestServers.redis()) {
            // the pool's one connection dies on the server side, as when Redis restarts after the start-up check
            String id = own.sendCommand(Protocol.Command.CLIENT, "ID").toString();
            redis.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", id);
            FlakyHandler handler = new FlakyHandler();
            Worker<TranscriptionJob> w = new Worker<>("test", own, keys, config(1, 5), handler, codec,
                    new WorkerMetrics(new PrometheusRegistry()), Clock.systemUTC());
            w.start();
            try {
                redis.lpush(keys.main(), job(1));
                await().atMost(Duration.ofSeconds(20)).until(() -> handler.successes.containsKey(1));
                assertThat(new QueueInspector(redis, codec.mapper()).stats(keys).workers()).isEqualTo(1);
            } finally {
                assertThat(w.awaitStop(Duration.ofSeconds(10))).isTrue();
            }
        }
    }

    @Test
    void eightConsumersProcessFiveThousandJobsEachExactlyOnceThroughTransientFailures() throws Exception {
        int jobs = 5_000;
        FlakyHandler handler = new FlakyHandler();
        List<Worker<TranscriptionJob>> consumers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            consumers.add(worker(config(1, 5), handler));
        }
        consumers.forEach(Worker::start);
        for (int n = 1; n <= jobs; n++) {
            redis.lpush(keys.main(), job(n));
        }
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).until(() -> handler.successes.size() == jobs);
        for (Worker<TranscriptionJob> w : consumers) {
            assertThat(w.awaitStop(Duration.ofSeconds(10))).isTrue();
        }

        assertThat(handler.successes.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
        for (int n = 1; n <= jobs; n++) {
            int expectedAttempt = n % 50 == 0 ? 3 : n % 10 == 0 ? 2 : 1;
            assertThat(handler.succeededOnAttempt.get(n)).as("attempt on which job %d succeeded", n).isEqualTo(expectedAttempt);
        }
        QueueStats stats = consumers.get(0).queue().stats();
        assertThat(stats.waiting()).isZero();
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.delayed()).isZero();
        assertThat(stats.dead()).isZero();
        assertThat(redis.hlen(keys.attempts())).as("attempt counters are cleaned up").isZero();
        assertNoWorkerThreads();
    }

    @Test
    void malformedPayloadsGoStraightToTheDeadLetterListWithTheReason() throws Exception {
        FlakyHandler handler = new FlakyHandler();
        Worker<TranscriptionJob> w = worker(config(2, 5), handler);
        redis.lpush(keys.main(), job(1));
        redis.lpush(keys.main(), "{this is not json");
        redis.lpush(keys.main(), "{\"batch_id\":\"20250101-000000-abcdef\",\"opus_path\":\"/x.opus\"}");
        redis.lpush(keys.main(), job(3));
        w.start();
        DeadLetters dead = new DeadLetters(redis, keys, codec.mapper());
        await().atMost(Duration.ofSeconds(20)).until(() -> handler.successes.size() == 2 && dead.size() == 2);
        w.awaitStop(Duration.ofSeconds(10));

        List<DeadLetter> entries = dead.list(0, 10);
        assertThat(entries).extracting(DeadLetter::error).containsExactlyInAnyOrder(
                "malformed payload: missing required field 'original_filename'",
                "malformed payload: not valid JSON: Unexpected character ('t' (code 116)): was expecting double-quote to start field name");
        assertThat(entries).allSatisfy(e -> assertThat(e.attempts()).isEqualTo(1));
        assertThat(handler.successes.keySet()).containsExactlyInAnyOrder(1, 3);
    }

    @Test
    void aJobThatKeepsFailingIsDeadLetteredAfterMaxAttempts() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Worker<TranscriptionJob> w = worker(config(1, 3), new JobHandler<>() {
            public Class<TranscriptionJob> jobType() {
                return TranscriptionJob.class;
            }

            public void handle(TranscriptionJob job, int attempt) throws IOException {
                calls.incrementAndGet();
                throw new IOException("S3 unreachable");
            }
        });
        redis.lpush(keys.main(), job(7));
        w.start();
        DeadLetters dead = new DeadLetters(redis, keys, codec.mapper());
        await().atMost(Duration.ofSeconds(20)).until(() -> dead.size() == 1);
        w.awaitStop(Duration.ofSeconds(10));
        DeadLetter entry = dead.list(0, 1).get(0);
        assertThat(calls.get()).isEqualTo(3);
        assertThat(entry.attempts()).isEqualTo(3);
        assertThat(entry.error()).isEqualTo("failed after 3 attempts: IOException: S3 unreachable");
        assertThat(entry.worker()).startsWith("test-node:test:");
    }

    @Test
    void aPermanentFailureIsNotRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Worker<TranscriptionJob> w = worker(config(1, 5), new JobHandler<>() {
            public Class<TranscriptionJob> jobType() {
                return TranscriptionJob.class;
            }

            public void handle(TranscriptionJob job, int attempt) throws PermanentJobException {
                calls.incrementAndGet();
                throw new PermanentJobException("opus_path /etc/passwd is outside the scratch root");
            }
        });
        redis.lpush(keys.main(), job(9));
        w.start();
        DeadLetters dead = new DeadLetters(redis, keys, codec.mapper());
        await().atMost(Duration.ofSeconds(20)).until(() -> dead.size() == 1);
        w.awaitStop(Duration.ofSeconds(10));
        assertThat(calls.get()).isEqualTo(1);
        assertThat(dead.list(0, 1).get(0).error()).isEqualTo("opus_path /etc/passwd is outside the scratch root");
    }

    @Test
    void stopLetsTheCurrentJobFinishTakesNoNewOneAndLeavesNoThreads() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Set<Integer> finished = ConcurrentHashMap.newKeySet();
        Worker<TranscriptionJob> w = worker(config(1, 5), new JobHandler<>() {
            public Class<TranscriptionJob> jobType() {
                return TranscriptionJob.class;
            }

            public void handle(TranscriptionJob job, int attempt) throws InterruptedException {
                started.countDown();
                Thread.sleep(1_500);
                finished.add(number(job));
            }
        });
        redis.lpush(keys.main(), job(1));
        w.start();
        started.await();
        redis.lpush(keys.main(), job(2));
        assertThat(w.awaitStop(Duration.ofSeconds(10))).isTrue();
        assertThat(finished).containsExactly(1);
        QueueStats stats = w.queue().stats();
        assertThat(stats.waiting()).as("the job not yet taken stays queued").isEqualTo(1);
        assertThat(stats.inFlight()).isZero();
        assertNoWorkerThreads();
    }

    @Test
    void aJobStillRunningAfterTheGracePeriodGoesBackToTheQueue() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Worker<TranscriptionJob> w = worker(config(1, 5), new JobHandler<>() {
            public Class<TranscriptionJob> jobType() {
                return TranscriptionJob.class;
            }

            public void handle(TranscriptionJob job, int attempt) throws InterruptedException {
                started.countDown();
                Thread.sleep(60_000);
            }
        });
        redis.lpush(keys.main(), job(1));
        w.start();
        started.await();
        assertThat(w.awaitStop(Duration.ofMillis(500))).isFalse();
        QueueStats stats = w.queue().stats();
        assertThat(stats.waiting()).isEqualTo(1);
        assertThat(stats.inFlight()).isZero();
        assertNoWorkerThreads();
    }

    @Test
    void healthReadinessAndMetricsEndpointsAnswer() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        WorkerMetrics metrics = new WorkerMetrics(registry);
        Worker<TranscriptionJob> w = new Worker<>("test", redis, keys, config(1, 5), new FlakyHandler(), codec, metrics, Clock.systemUTC());
        w.start();
        redis.lpush(keys.main(), job(1));
        boolean[] databaseUp = {true};
        try (HealthServer http = new HealthServer(0, registry, w::isRunning, List.of(
                new ReadinessCheck("redis", redis::ping),
                new ReadinessCheck("database", () -> {
                    if (!databaseUp[0]) {
                        throw new IllegalStateException("connection refused");
                    }
                })))) {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + http.port();
            assertThat(get(client, base + "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(client, base + "/readyz").statusCode()).isEqualTo(200);
            databaseUp[0] = false;
            HttpResponse<String> notReady = get(client, base + "/readyz");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).contains("redis: ok").contains("database: connection refused");
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    get(client, base + "/metrics").body().contains("audio_pipeline_jobs_total{outcome=\"succeeded\",queue=\"" + keys.name() + "\"} 1.0"));
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    get(client, base + "/metrics").body().contains("audio_pipeline_queue_jobs{queue=\"" + keys.name() + "\",state=\"waiting\"} 0.0"));
            w.awaitStop(Duration.ofSeconds(5));
            assertThat(get(client, base + "/healthz").statusCode()).isEqualTo(503);
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertNoWorkerThreads() {
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(Thread::isAlive)
                .extracting(Thread::getName)
                .noneMatch(name -> name.startsWith("test-slot-") || name.startsWith("test-housekeeping"));
    }
}
