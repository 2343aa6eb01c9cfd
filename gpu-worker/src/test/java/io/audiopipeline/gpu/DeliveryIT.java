package io.audiopipeline.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.delivery.DeliveryConfig;
import io.audiopipeline.common.delivery.OutboxRelay;
import io.audiopipeline.common.delivery.ResultEvents;
import io.audiopipeline.common.delivery.WebhookSignature;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.common.testing.TestLedger;
import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.sandbox.ArchiveBuilder;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.EmbeddedS3;
import io.audiopipeline.sandbox.LocalPipeline;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * Delivery of results to the next system, against real Redis, PostgreSQL, worker processes and a real HTTP
 * server standing in for the receiving system (it checks every request's signature with its own copy of
 * the secret): every recording yields exactly one file event and every batch one batch.completed, through
 * kill -9 of workers while they publish and a webhook that was down for a while; duplicates only ever
 * carry the same event id; each batch's events reach the endpoint in order.
 */
class DeliveryIT {
    private static final String BUCKET = "delivery";
    private static final String SECRET = "whsec-test-4f1c";

    @TempDir
    Path tmp;

    private final ObjectMapper json = new ObjectMapper();
    private final List<JsonNode> received = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger badSignatures = new AtomicInteger();
    private volatile int answer = 200;
    private volatile String receiverSecret = SECRET;
    private HttpServer receiver;

    @BeforeEach
    void receiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks/results", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String text = new String(body, StandardCharsets.UTF_8);
            String timestamp = exchange.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP_HEADER);
            String signature = exchange.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER);
            int status = answer;
            if (status == 200) {
                if (timestamp == null || !new WebhookSignature(receiverSecret).verify(Long.parseLong(timestamp), text, signature)) {
                    badSignatures.incrementAndGet();
                    status = 401;
                } else {
                    received.add(json.readTree(text));
                }
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    private String webhookUrl() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/results";
    }

    @Test
    void everyRecordingAndBatchIsDeliveredOnceInOrderThroughKilledWorkersAndAWebhookThatWasDown() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        Path logs = ChildProgram.projectRoot().resolve("gpu-worker/target/delivery-logs");
        for (int b = 0; b < 2; b++) {
            ArchiveBuilder archive = new ArchiveBuilder();
            for (int i = 0; i < 4; i++) {
                archive.file("calls/tone-" + i + ".wav", AudioFixtures.tone(tmp.resolve("t" + b + i + ".wav"), 1.0, 16000, 300 + 40 * i));
            }
            archive.bytes("calls/broken.mp3", "not audio at all".repeat(50).getBytes(StandardCharsets.UTF_8));
            archive.writeTarGz(inbox.resolve("delivery-" + b + ".tar.gz"));
        }
        answer = 503; // the receiving system is down when the first results are ready

        try (EmbeddedS3 s3 = EmbeddedS3.temporary(); ObjectStore store = new ObjectStore(TestServers.s3Config(s3, BUCKET));
             UnifiedJedis redis = TestServers.redis(); Database db = TestServers.freshDatabase()) {
            store.createBucketIfMissing();
            TestServers.flushRedis(redis);
            Map<String, String> servers = TestServers.envWith(s3, BUCKET);
            Map<String, String> env = LocalPipeline.env(servers, "delivery-node", scratch, tmp.resolve("staging"), inbox);
            env.put("WEBHOOK_URL", webhookUrl());
            env.put("WEBHOOK_SECRET", SECRET);
            env.put("WEBHOOK_RETRY_BASE_DELAY", "200ms");
            env.put("WEBHOOK_RETRY_MAX_DELAY", "1s");
            env.put("WEBHOOK_MAX_ATTEMPTS", "1000");
            env.put("RELAY_POLL_INTERVAL", "100ms");
            env.put("VISIBILITY_TIMEOUT", "5s");

            try (ChildProgram unpack = ChildProgram.start("unpack-worker", env, logs)) {
                ChildProgram gpu = ChildProgram.start("gpu-worker", env, logs);
                ChildProgram transfer = ChildProgram.start("transfer-worker", env, logs, "--once");
                assertThat(transfer.waitFor(120)).as("transfer-worker --once; log %s", transfer.logFile()).isZero();
                // kill -9 the GPU worker (and its relay) once the results queue has received some events
                await().atMost(Duration.ofMinutes(2)).until(() -> redis.llen("queue:results") >= 2);
                gpu.kill();
                try (ChildProgram second = ChildProgram.start("gpu-worker", env, logs)) {
                    Thread.sleep(2_000);
                    answer = 200; // the endpoint is back
                    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() ->
                            batchIds(db).size() == 2 && new BatchRepository(db).active().isEmpty() && backlog(db) == 0);

                    Map<String, JsonNode> outbox = outboxById(db);
                    List<AudioFileRecord> files = new ArrayList<>();
                    for (String batchId : batchIds(db)) {
                        files.addAll(new AudioFileRepository(db).byBatch(batchId));
                    }
                    assertThat(files).hasSize(10);
                    assertThat(files.stream().filter(f -> "failed".equals(f.status()))).hasSize(2);
                    // exactly one file event per recording, one batch.completed per batch, numbered 1..n per batch
                    for (AudioFileRecord f : files) {
                        List<JsonNode> own = outbox.values().stream().filter(e -> f.audioId().toString().equals(e.path("audio_id").asText())).toList();
                        assertThat(own).as("events of %s", f.originalFilename()).hasSize(1);
                        assertThat(own.get(0).path("type").asText()).isEqualTo("completed".equals(f.status()) ? "file.processed" : "file.failed");
                    }
                    for (String batchId : batchIds(db)) {
                        List<JsonNode> ofBatch = outbox.values().stream().filter(e -> e.path("batch_id").asText().equals(batchId)).toList();
                        assertThat(ofBatch.stream().filter(e -> e.path("type").asText().equals("batch.completed"))).hasSize(1);
                        assertThat(ofBatch.stream().map(e -> e.path("seq").asLong()).sorted().toList())
                                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, ofBatch.size()).boxed().toList());
                        JsonNode completed = ofBatch.stream().filter(e -> e.path("type").asText().equals("batch.completed")).findFirst().orElseThrow();
                        assertThat(completed.path("seq").asLong()).as("batch.completed comes last").isEqualTo(ofBatch.size());
                    }

                    // the results queue: every event, none lost, a duplicate only ever the same event
                    Map<String, List<String>> queued = redis.lrange("queue:results", 0, -1).stream()
                            .collect(Collectors.groupingBy(raw -> id(raw)));
                    assertThat(queued.keySet()).isEqualTo(outbox.keySet());
                    queued.values().forEach(copies -> assertThat(Set.copyOf(copies)).as("copies of one event are the same event").hasSize(1));

                    // the webhook: every event, with a valid signature, in order per batch
                    Map<String, JsonNode> firstDelivery = new LinkedHashMap<>();
                    synchronized (received) {
                        received.forEach(e -> firstDelivery.putIfAbsent(e.path("id").asText(), e));
                    }
                    assertThat(firstDelivery.keySet()).isEqualTo(outbox.keySet());
                    for (String batchId : batchIds(db)) {
                        List<Long> order = firstDelivery.values().stream().filter(e -> e.path("batch_id").asText().equals(batchId))
                                .map(e -> e.path("seq").asLong()).toList();
                        assertThat(order).as("webhook order of batch %s", batchId).isSorted();
                    }
                    assertThat(badSignatures.get()).isZero();
                    JsonNode processed = outbox.values().stream().filter(e -> e.path("type").asText().equals("file.processed")).findFirst().orElseThrow();
                    assertThat(processed.path("data").path("opus_s3_key").asText()).startsWith("processed/");
                    assertThat(processed.path("data").has("no_speech")).isTrue();
                    assertThat(second.terminate(60)).isZero();
                }
            }
        }
    }

    @Test
    void anEndpointThatKeepsFailingDeadLettersTheEventTheNextOnesGoOnAndTheCliRetriesIt() throws Exception {
        try (UnifiedJedis redis = TestServers.redis(); Database db = TestServers.freshDatabase()) {
            TestServers.flushRedis(redis);
            String batchId = BatchId.next(Clock.systemUTC());
            // two recordings that failed to convert, and one still to transcribe (the batch does not complete)
            TestLedger.handOff(db, redis, batchId, "n", List.of(new BatchLedger.FileEntry("a.mp3", null, null, null, "cannot decode"),
                    new BatchLedger.FileEntry("b.mp3", null, null, null, "cannot decode"), new BatchLedger.FileEntry("c.mp3", "/s/c.opus", null, null, null)));
            AudioFileRecord a = new AudioFileRepository(db).find(batchId, "a.mp3").orElseThrow();
            AudioFileRecord b = new AudioFileRepository(db).find(batchId, "b.mp3").orElseThrow();
            Map<String, String> settings = new HashMap<>(Map.of("WEBHOOK_URL", webhookUrl(), "WEBHOOK_SECRET", SECRET, "RESULTS_QUEUE", "",
                    "WEBHOOK_MAX_ATTEMPTS", "3", "WEBHOOK_RETRY_BASE_DELAY", "10ms", "WEBHOOK_RETRY_MAX_DELAY", "20ms"));
            OutboxRelay relay = new OutboxRelay(DeliveryConfig.from(new Env(settings)), db, redis, new JobCodec().mapper(), new PrometheusRegistry(),
                    "test-relay", Clock.systemUTC());

            receiverSecret = "another-secret"; // the receiver holds the wrong secret: every request fails its check, as it must
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                relay.runOnce();
                return redis.llen("queue:webhook:dead") == 2;
            });
            assertThat(badSignatures.get()).as("a signature made with another secret is detected").isEqualTo(6);
            assertThat(received).isEmpty();
            JsonNode dead = json.readTree(redis.lindex("queue:webhook:dead", -1));
            assertThat(dead.path("error").asText()).contains("HTTP 401");
            assertThat(dead.path("attempts").asInt()).isEqualTo(3);
            assertThat(json.readTree(dead.path("payload").asText()).path("audio_id").asText()).isEqualTo(a.audioId().toString());
            assertThat(backlog(db)).as("a dead event no longer holds its batch back").isZero();

            receiverSecret = SECRET;
            Map<String, String> cli = new HashMap<>(TestServers.env());
            ChildProgram list = ChildProgram.start("pipeline", cli, tmp.resolve("logs"), "dead", "list", "webhook");
            assertThat(list.waitFor(60)).isZero();
            assertThat(list.output()).contains("HTTP 401");
            ChildProgram retry = ChildProgram.start("pipeline", cli, tmp.resolve("logs"), "dead", "retry", "webhook", "--all");
            assertThat(retry.waitFor(60)).as(retry.logTail(10)).isZero();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                relay.runOnce();
                return received.size() == 2;
            });
            assertThat(received).extracting(e -> e.path("audio_id").asText()).containsExactly(a.audioId().toString(), b.audioId().toString());
            assertThat(redis.llen("queue:webhook:dead")).isZero();
            assertThat(backlog(db)).isZero();
        }
    }

    @Test
    void aStateChangeThatDoesNotHappenAnnouncesNothing() throws Exception {
        try (Database db = TestServers.freshDatabase(); UnifiedJedis redis = TestServers.redis()) {
            String batchId = BatchId.next(Clock.systemUTC());
            BatchRepository batches = new BatchRepository(db);
            TestLedger.handOff(db, redis, batchId, "n", List.of(new BatchLedger.FileEntry("a.mp3", "/s/a.opus", null, null, null),
                    new BatchLedger.FileEntry("b.mp3", "/s/b.opus", null, null, null), new BatchLedger.FileEntry("c.mp3", "/s/c.opus", null, null, null)));
            BatchLedger ledger = TestLedger.of(db, redis);
            AudioFileRecord row = new AudioFileRepository(db).find(batchId, "a.mp3").orElseThrow();
            ledger.processed(batchId, row.audioId(), "processed/a.opus", "a".repeat(64), 10);
            ledger.processed(batchId, row.audioId(), "processed/a.opus", "a".repeat(64), 10);
            ledger.failed(batchId, "a.mp3", "a late failure report for a completed file");
            ledger.failed(batchId, "b.mp3", "cannot decode");
            ledger.failed(batchId, "b.mp3", "cannot decode (again)");
            batches.markFailed(batchId, "gone");
            batches.markFailed(batchId, "gone again");
            List<String> types = db.withHandle(h -> h.createQuery("SELECT type FROM outbox ORDER BY seq").mapTo(String.class).list());
            assertThat(types).containsExactly("file.processed", "file.failed", "batch.failed");
            db.inTransaction(h -> {
                ResultEvents.batchStuck(h, batchId, 12.5);
                h.rollback();
                return null;
            });
            assertThat(backlog(db)).as("an event rolled back with its change is never announced").isEqualTo(3);
        }
    }

    private String id(String raw) {
        try {
            return json.readTree(raw).path("id").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, JsonNode> outboxById(Database db) throws Exception {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        for (String raw : db.withHandle(h -> h.createQuery("SELECT json_build_object('id', event_id, 'type', type, 'batch_id', batch_id, "
                + "'seq', seq, 'audio_id', audio_id, 'data', data)::text FROM outbox ORDER BY batch_id, seq").mapTo(String.class).list())) {
            JsonNode e = json.readTree(raw);
            byId.put(e.path("id").asText(), e);
        }
        return byId;
    }

    private static long backlog(Database db) throws Exception {
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE published_at IS NULL").mapTo(Long.class).one());
    }

    private static List<String> batchIds(Database db) throws Exception {
        return db.withHandle(h -> h.createQuery("SELECT batch_id FROM batches ORDER BY created_at").mapTo(String.class).list());
    }
}
