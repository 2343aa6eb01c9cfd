package io.audiopipeline.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.testing.TestLedger;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.TranscriptRecord;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.queue.DeadLetters;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.storage.Checksums;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.storage.StoredObject;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.common.testing.ServerFixture;
import io.audiopipeline.common.worker.Worker;
import io.audiopipeline.common.worker.WorkerMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import com.fasterxml.jackson.databind.JsonNode;
import io.audiopipeline.common.batch.Outcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

class GpuWorkerIT {
    private static final String BUCKET = "gpu-it";
    private static final String NODE = "gpu-it-node";
    private static ServerFixture servers;
    private static ObjectStore store;
    private static UnifiedJedis redis;
    private static Path speech;
    private static Path longSpeech;
    private final JobCodec codec = new JobCodec();
    private final List<Worker<TranscriptionJob>> workers = new ArrayList<>();
    private final List<BridgePool> pools = new ArrayList<>();
    private Database db;

    @TempDir
    Path tmp;
    Path scratch;

    @BeforeAll
    static void servers(@TempDir Path fixtures) throws Exception {
        servers = ServerFixture.start(BUCKET);
        store = servers.store;
        redis = servers.redis;
        speech = AudioFixtures.encode(AudioFixtures.speech("four five six seven eight nine", fixtures.resolve("s.wav")),
                fixtures.resolve("speech.opus"));
        longSpeech = AudioFixtures.encode(AudioFixtures.speech(
                "the meeting starts at nine thirty tomorrow morning. ".repeat(6), fixtures.resolve("l.wav")), fixtures.resolve("long.opus"));
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @BeforeEach
    void clean() throws Exception {
        db = servers.reset();
        scratch = Files.createDirectories(tmp.resolve("scratch"));
    }

    @AfterEach
    void stop() throws Exception {
        for (Worker<TranscriptionJob> w : workers) {
            w.awaitStop(Duration.ofSeconds(30));
        }
        pools.forEach(BridgePool::close);
        db.close();
    }

    private Map<String, String> env(Path bridgeDir) {
        Map<String, String> env = new HashMap<>(servers.env());
        env.put("NODE_NAME", NODE);
        env.put("SCRATCH_ROOT", scratch.toString());
        env.put("TRANSCRIBER", "pocketsphinx");
        env.put("BRIDGE_DIR", bridgeDir.toString());
        env.put("TRANSCRIBE_TIMEOUT", "20s");
        return env;
    }

    private static Path realBridgeDir() {
        return Path.of(System.getenv("PIPELINE_PROJECT_ROOT"), "gpu-worker", "bridge");
    }

    /** A copy of the misbehaving test bridge with the real protocol module, in the given mode. */
    private Path fakeBridgeDir(String mode) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fake-bridge"));
        Files.copy(realBridgeDir().resolve("bridge_protocol.py"), dir.resolve("bridge_protocol.py"));
        try (var in = getClass().getResourceAsStream("/fake-bridge/pocketsphinx_bridge.py")) {
            Files.copy(in, dir.resolve("pocketsphinx_bridge.py"));
        }
        Files.writeString(dir.resolve("mode"), mode);
        return dir;
    }

    private Worker<TranscriptionJob> startWorker(Map<String, String> env) throws Exception {
        Env e = new Env(env);
        GpuConfig config = GpuConfig.from(e);
        PrometheusRegistry registry = new PrometheusRegistry();
        GpuMetrics metrics = new GpuMetrics(registry);
        BridgePool pool = new BridgePool(config, codec.mapper(), metrics);
        pools.add(pool);
        pool.startAll();
        Worker<TranscriptionJob> w = GpuAssembly.worker(config, RuntimeConfig.from(e, 0, 1), "gpu-it", ArchiveRetention.KEEP, redis, db, store, pool,
                TranscriptLabeler.NONE, metrics, new WorkerMetrics(registry), Clock.systemUTC());
        workers.add(w);
        w.start();
        return w;
    }

    /** A batch as the unpack worker leaves it: row, keys, Opus files in scratch, one job per file. */
    private String batchOf(Path audio, int files) throws Exception {
        String batchId = BatchId.next(Clock.systemUTC());
        new BatchRepository(db).insertIfAbsent(batchId, "archives/" + batchId + ".tar", batchId + ".tar", null, null, Instant.now());
        Path dir = Files.createDirectories(scratch.resolve(batchId).resolve("opus"));
        List<BatchLedger.FileEntry> entries = new ArrayList<>();
        List<Path> opusFiles = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            Path opus = Files.copy(audio, dir.resolve(String.format("%04d-clip.opus", i + 1)));
            opusFiles.add(opus);
            entries.add(new BatchLedger.FileEntry("calls/clip-" + i + ".mp3", opus.toString(), Checksums.sha256(opus), AudioFixtures.duration(opus), null));
        }
        TestLedger.handOff(db, redis, batchId, NODE, entries);
        for (int i = 0; i < files; i++) {
            Path opus = opusFiles.get(i);
            String name = "calls/clip-" + i + ".mp3";
            new JobPublisher(redis, Duration.ofDays(1)).publishOnce(QueueKeys.transcribe(NODE), batchId, name,
                    codec.encode(new TranscriptionJob(batchId, opus.toString(), name, Checksums.sha256(opus), AudioFixtures.duration(opus))));
        }
        return batchId;
    }

    /** The batch completed in the database, and its keys mirror the row (they are written right after the commit). */
    private boolean completed(String batchId) throws Exception {
        io.audiopipeline.common.db.BatchRecord row = new BatchRepository(db).find(batchId).orElseThrow();
        BatchCounts keys = new BatchTracker(redis).counts(batchId);
        return "completed".equals(row.status()) && keys.processed() == row.processedFiles() && keys.failed() == row.failedFiles();
    }

    private long count(String sql) throws Exception {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void transcribesStoresUploadsCountsAndCompletesTheBatch() throws Exception {
        String batchId = batchOf(speech, 3);
        startWorker(env(realBridgeDir()));
        await().atMost(Duration.ofSeconds(90)).until(() -> completed(batchId));

        BatchCounts counts = new BatchTracker(redis).counts(batchId);
        assertThat(counts.processed()).isEqualTo(3);
        assertThat(counts.failed()).isZero();
        assertThat(scratch.resolve(batchId)).as("the completing worker removed the scratch dir").doesNotExist();
        assertThat(redis.ttl("batch:{" + batchId + "}:processed")).isPositive();
        List<AudioFileRecord> rows = new AudioFileRepository(db).byBatch(batchId);
        assertThat(rows).hasSize(3).allSatisfy(r -> assertThat(r.status()).isEqualTo("completed"));
        for (AudioFileRecord row : rows) {
            assertThat(row.s3Key()).matches("processed/\\d{4}-\\d{2}-\\d{2}/" + row.audioId() + "\\.opus");
            StoredObject object = store.head(row.s3Key()).orElseThrow();
            assertThat(object.sha256()).isEqualTo(row.sha256()).isEqualTo(Checksums.sha256(speech));
            TranscriptRecord t = new TranscriptRepository(db).find(row.audioId()).orElseThrow();
            assertThat(t.engine()).isEqualTo("pocketsphinx");
            assertThat(t.text()).containsAnyOf("four", "five", "six", "seven", "eight", "nine");
            assertThat(t.segmentsJson()).contains("\"words\"");
            assertThat(t.realtimeFactor()).isPositive();
        }
        assertThat(count("SELECT count(*) FROM pipeline_events WHERE batch_id = '" + batchId + "' AND event = 'batch_completed'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM pipeline_events WHERE batch_id = '" + batchId + "' AND worker = '" + workers.get(0).id() + "'"))
                .as("the events name the worker by the id of its heartbeat and dead letters").isPositive();
    }

    @Test
    void aBridgeKilledInTheMiddleOfAFileIsRestartedAndTheFileCountedOnce() throws Exception {
        String batchId = batchOf(longSpeech, 1);
        Worker<TranscriptionJob> w = startWorker(env(realBridgeDir()));
        BridgePool pool = pools.get(0);
        long pid = pool.pids().get(0);
        // wait until the file is being transcribed, then kill -9 the bridge
        await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) FROM audio_files WHERE batch_id = '" + batchId + "'") == 1);
        Thread.sleep(300);
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        await().atMost(Duration.ofSeconds(120)).until(() -> completed(batchId));
        assertThat(pool.pids()).doesNotContain(pid).hasSize(1);
        assertThat(new BatchTracker(redis).counts(batchId).processed()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM transcripts t JOIN audio_files f USING (audio_id) WHERE f.batch_id = '" + batchId + "'")).isEqualTo(1);
        assertThat(new AudioFileRepository(db).byBatch(batchId).get(0).attempts()).as("delivered again after the kill").isEqualTo(2);
        assertThat(w.queue().stats().dead()).isZero();
    }

    @Test
    void aHangingBridgeTimesOutAndIsRestartedAndTheFileRetried() throws Exception {
        Map<String, String> env = env(fakeBridgeDir("hang"));
        env.put("TRANSCRIBE_TIMEOUT", "2s");
        env.put("TRANSCRIBE_TIMEOUT_PER_AUDIO_SECOND", "0");
        String batchId = batchOf(speech, 1);
        startWorker(env);
        await().atMost(Duration.ofSeconds(60)).until(() -> completed(batchId));
        assertThat(new AudioFileRepository(db).byBatch(batchId).get(0).attempts()).isEqualTo(2);
        assertThat(new TranscriptRepository(db).byBatch(batchId)).extracting(TranscriptRecord::text).containsExactly("hello");
    }

    @Test
    void aBridgeThatPrintsGarbageIsRestarted() throws Exception {
        String batchId = batchOf(speech, 1);
        startWorker(env(fakeBridgeDir("garbage")));
        await().atMost(Duration.ofSeconds(60)).until(() -> completed(batchId));
        assertThat(new AudioFileRepository(db).byBatch(batchId).get(0).attempts()).isEqualTo(2);
    }

    @Test
    void aJobRedeliveredAfterItsFileWasCountedChangesNothing() throws Exception {
        String batchId = batchOf(speech, 2);
        String first = redis.lindex(QueueKeys.transcribe(NODE).main(), -1);
        startWorker(env(fakeBridgeDir("")));
        await().atMost(Duration.ofSeconds(60)).until(() -> new BatchTracker(redis).counts(batchId).processed() == 2);
        redis.lpush(QueueKeys.transcribe(NODE).main(), first);
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.llen(QueueKeys.transcribe(NODE).main()) == 0
                && workers.get(0).queue().stats().inFlight() == 0);
        assertThat(new BatchTracker(redis).counts(batchId).processed()).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM transcripts t JOIN audio_files f USING (audio_id) WHERE f.batch_id = '" + batchId + "'")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM pipeline_events WHERE batch_id = '" + batchId + "' AND event = 'batch_completed'")).isEqualTo(1);
    }

    @Test
    void aBatchWhoseScratchDirIsGoneIsUnpackedAgainFromItsArchiveNotFailed() throws Exception {
        String batchId = batchOf(speech, 2);
        Path kept = Files.createTempFile(scratch, "archive", ".tar");
        store.upload(kept, "archives/" + batchId + ".tar", io.audiopipeline.common.storage.TransferProgress.NONE);
        io.audiopipeline.common.batch.BatchCompletion.removeTree(scratch.resolve(batchId)); // the node's scratch volume was wiped
        Worker<TranscriptionJob> w = startWorker(env(fakeBridgeDir("")));
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.llen(QueueKeys.transcribe(NODE).main()) == 0 && w.queue().stats().inFlight() == 0);
        List<String> unpack = redis.lrange(QueueKeys.unpack().main(), 0, -1);
        assertThat(unpack).as("the batch's unpack job is queued again").isNotEmpty()
                .allSatisfy(j -> assertThat(codec.mapper().readTree(j).path("batch_id").asText()).isEqualTo(batchId));
        assertThat(w.queue().stats().dead()).as("no file failed for a volume the node lost").isZero();
        assertThat(new AudioFileRepository(db).byBatch(batchId)).extracting(AudioFileRecord::status).doesNotContain("failed", "completed");
        assertThat(count("SELECT count(*) FROM pipeline_events WHERE event = 'recover_requested' AND batch_id = '" + batchId + "'")).isPositive();
    }

    @Test
    void aDeliveryOvertakenByAnotherDeliveryOfTheSameJobIsNotDeadLettered() throws Exception {
        Path bridge = fakeBridgeDir("overtaken");
        String batchId = batchOf(speech, 2);
        Map<String, String> names = new HashMap<>();
        for (String job : redis.lrange(QueueKeys.transcribe(NODE).main(), 0, -1)) {
            JsonNode j = codec.mapper().readTree(job);
            names.put(j.get("opus_path").asText(), j.get("original_filename").asText());
        }
        Worker<TranscriptionJob> w = startWorker(env(bridge));
        // while this delivery is in the engine, the other delivery finishes the file: counts it, removes it
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(bridge.resolve("waiting")));
        Path file = Path.of(Files.readString(bridge.resolve("waiting")));
        assertThat(TestLedger.processed(db, redis, batchId, names.get(file.toString()))).isEqualTo(Outcome.COUNTED);
        Files.delete(file);
        Files.createFile(bridge.resolve("go"));

        await().atMost(Duration.ofSeconds(60)).until(() -> redis.llen(QueueKeys.transcribe(NODE).main()) == 0 && w.queue().stats().inFlight() == 0
                && new BatchTracker(redis).counts(batchId).processed() == 2);
        assertThat(w.queue().stats().dead()).as("an overtaken delivery is not a failure").isZero();
        assertThat(new BatchTracker(redis).counts(batchId).failed()).isZero();
        assertThat(completed(batchId)).isTrue();
    }

    @Test
    void aFileThatNoLongerMatchesItsJobsChecksumFailsAloneAndTheBatchStillCompletes() throws Exception {
        String batchId = batchOf(speech, 2);
        String queue = QueueKeys.transcribe(NODE).main();
        TranscriptionJob first = codec.decode(redis.lindex(queue, -1), TranscriptionJob.class);
        Files.write(Path.of(first.opusPath()), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        startWorker(env(fakeBridgeDir("")));
        // the file's failure is counted (and completes the batch) in the database first; its dead letter follows
        DeadLetters deadList = new DeadLetters(redis, QueueKeys.transcribe(NODE), codec.mapper());
        await().atMost(Duration.ofSeconds(60)).until(() -> completed(batchId) && deadList.size() == 1);
        BatchCounts counts = new BatchTracker(redis).counts(batchId);
        assertThat(counts.processed()).isEqualTo(1);
        assertThat(counts.failed()).isEqualTo(1);
        DeadLetter dead = new DeadLetters(redis, QueueKeys.transcribe(NODE), codec.mapper()).list(0, 1).get(0);
        assertThat(dead.error()).contains("does not match the job's sha256").contains("changed on the scratch volume");
        String failedId = filesOf(batchId, "failed");
        assertThat(store.list("processed/")).extracting(StoredObject::key)
                .as("the mismatching upload is removed").noneMatch(k -> k.contains(failedId));
    }

    private String filesOf(String batchId, String status) throws Exception {
        return new AudioFileRepository(db).byBatch(batchId).stream().filter(f -> status.equals(f.status()))
                .map(f -> f.audioId().toString()).findFirst().orElseThrow();
    }

    @Test
    void twoWorkersOnOneBatchCompleteItOnce() throws Exception {
        String batchId = batchOf(speech, 12);
        startWorker(env(fakeBridgeDir("")));
        startWorker(env(tmp.resolve("fake-bridge")));
        await().atMost(Duration.ofSeconds(60)).until(() -> completed(batchId));
        assertThat(new BatchTracker(redis).counts(batchId).processed()).isEqualTo(12);
        assertThat(count("SELECT count(*) FROM pipeline_events WHERE batch_id = '" + batchId + "' AND event = 'batch_completed'")).isEqualTo(1);
        assertThat(count("SELECT count(DISTINCT worker) FROM pipeline_events WHERE batch_id = '" + batchId + "' AND event = 'batch_completed'")).isEqualTo(1);
        assertThat(scratch.resolve(batchId)).doesNotExist();
    }

    @Test
    void hostileJobsAreRefusedAndNothingOutsideTheScratchRootIsTouched() throws Exception {
        String batchId = batchOf(speech, 2);
        redis.del(QueueKeys.transcribe(NODE).main());
        Path secret = Files.writeString(tmp.resolve("secret.opus"), "do not read or delete me");
        Path link = scratch.resolve(batchId).resolve("opus").resolve("link.opus");
        Files.createSymbolicLink(link, secret);
        String queue = QueueKeys.transcribe(NODE).main();
        redis.lpush(queue, codec.encode(new TranscriptionJob(batchId, secret.toString(), "a.mp3", null, null)));
        redis.lpush(queue, codec.encode(new TranscriptionJob(batchId, scratch.resolve(batchId) + "/../../secret.opus", "b.mp3", null, null)));
        redis.lpush(queue, codec.encode(new TranscriptionJob(batchId, link.toString(), "c.mp3", null, null)));
        redis.lpush(queue, codec.encode(new TranscriptionJob("20200101-000000-000000", scratch.resolve("20200101-000000-000000/x.opus").toString(),
                "d.mp3", null, null)));
        redis.lpush(queue, "{\"batch_id\": 42, \"opus_path\": \"/x\", \"original_filename\": \"e\"}");
        int objectsBefore = store.list("processed/").size();
        startWorker(env(fakeBridgeDir("")));
        DeadLetters dead = new DeadLetters(redis, QueueKeys.transcribe(NODE), codec.mapper());
        await().atMost(Duration.ofSeconds(30)).until(() -> dead.size() == 5);
        assertThat(dead.list(0, 10)).extracting(DeadLetter::error).anyMatch(e -> e.contains("is outside SCRATCH_ROOT/" + batchId))
                .anyMatch(e -> e.contains("through a link"))
                .anyMatch(e -> e.startsWith("'d.mp3' is not a file the hand-off of batch 20200101-000000-000000 published"))
                .anyMatch(e -> e.startsWith("malformed payload: field 'batch_id'"));
        assertThat(secret).exists().hasContent("do not read or delete me");
        BatchCounts counts = new BatchTracker(redis).counts(batchId);
        assertThat(counts.failed() + counts.processed()).as("refused jobs do not move the batch's counters").isZero();
        assertThat(store.list("processed/")).as("nothing uploaded").hasSize(objectsBefore);
    }

    @Test
    void jobsTheHandOffDidNotPublishAreRefusedWithoutTouchingTheBatch() throws Exception {
        String batchId = batchOf(speech, 2);
        String queue = QueueKeys.transcribe(NODE).main();
        List<TranscriptionJob> real = new ArrayList<>();
        for (String raw : redis.lrange(queue, 0, -1)) {
            real.add(codec.decode(raw, TranscriptionJob.class));
        }
        redis.del(queue);
        TranscriptionJob sibling = real.get(0);
        byte[] siblingBytes = Files.readAllBytes(Path.of(sibling.opusPath()));
        // an invented name, and a new name carrying a real sibling's path
        redis.lpush(queue, codec.encode(new TranscriptionJob(batchId, sibling.opusPath(), "invented.mp3", null, null)));
        redis.lpush(queue, codec.encode(new TranscriptionJob(batchId, sibling.opusPath(), real.get(1).originalFilename(), null, null)));
        startWorker(env(fakeBridgeDir("")));
        DeadLetters dead = new DeadLetters(redis, QueueKeys.transcribe(NODE), codec.mapper());
        await().atMost(Duration.ofSeconds(30)).until(() -> dead.size() == 2 && workers.get(0).queue().stats().inFlight() == 0);
        assertThat(dead.list(0, 10)).extracting(DeadLetter::error)
                .anyMatch(e -> e.startsWith("'invented.mp3' is not a file the hand-off of batch " + batchId + " published"))
                .anyMatch(e -> e.contains("was published at " + real.get(1).opusPath() + ", not at " + sibling.opusPath()));
        assertThat(dead.list(0, 10)).allSatisfy(d -> assertThat(d.attempts()).isEqualTo(1));
        BatchCounts counts = new BatchTracker(redis).counts(batchId);
        assertThat(counts.processed() + counts.failed()).as("the counters did not move").isZero();
        assertThat(Path.of(sibling.opusPath())).as("the sibling's file is untouched").hasBinaryContent(siblingBytes);
        assertThat(new AudioFileRepository(db).byBatch(batchId)).as("no row for an invented name; the hand-off's rows untouched")
                .extracting(AudioFileRecord::originalFilename, AudioFileRecord::status, AudioFileRecord::attempts)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(real.get(0).originalFilename(), "pending", 0),
                        org.assertj.core.groups.Tuple.tuple(real.get(1).originalFilename(), "pending", 0));
        assertThat(completed(batchId)).isFalse();

        // the real jobs still complete the batch exactly at its total
        for (TranscriptionJob j : real) {
            redis.lpush(queue, codec.encode(j));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> completed(batchId));
        assertThat(new BatchTracker(redis).counts(batchId).processed()).isEqualTo(2);
    }
}
