package io.audiopipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.TranscriptRecord;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.storage.Checksums;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.storage.TransferProgress;
import io.audiopipeline.sandbox.ArchiveBuilder;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.common.testing.ServerFixture;
import io.audiopipeline.sandbox.ChildProgram;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

class PipelineCliIT {
    private static final String BUCKET = "cli-it";
    private static ServerFixture servers;
    private static ObjectStore store;
    private static UnifiedJedis redis;
    private static Path speechArchive;
    private final ObjectMapper json = new ObjectMapper();
    private final JobCodec codec = new JobCodec();
    private final List<ChildProgram> processes = new ArrayList<>();
    private Database db;

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    @BeforeAll
    static void servers(@TempDir Path fixtures) throws Exception {
        servers = ServerFixture.start(BUCKET);
        store = servers.store;
        redis = servers.redis;
        ArchiveBuilder archive = new ArchiveBuilder();
        String[] sentences = {"four five six seven eight nine", "the meeting starts at nine thirty tomorrow morning", "please call me back at seven"};
        for (int i = 0; i < sentences.length; i++) {
            Path wav = AudioFixtures.speech(sentences[i], fixtures.resolve(i + ".wav"));
            archive.file("calls/clip-" + i + ".mp3", AudioFixtures.encode(wav, fixtures.resolve(i + ".mp3")));
        }
        speechArchive = archive.writeTarGz(fixtures.resolve("calls.tar.gz"));
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @BeforeEach
    void clean() throws Exception {
        db = servers.reset();
    }

    @AfterEach
    void stop() throws Exception {
        for (ChildProgram p : processes) {
            p.close();
        }
        db.close();
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(servers.env());
        env.put("TRANSCRIBER", "pocketsphinx");
        env.put("JAVA_OPTS", "-Xmx256m");
        return env;
    }

    private Result cli(Map<String, String> env, String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ChildProgram.projectRoot().resolve("bin/pipeline").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("pipeline %s finished", String.join(" ", args)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Result cli(String... args) throws Exception {
        return cli(env(), null, args);
    }

    private ChildProgram worker(String program, Map<String, String> env, String... args) throws Exception {
        ChildProgram p = ChildProgram.start(program, env, ChildProgram.projectRoot().resolve("cli/target/it-logs"), args);
        processes.add(p);
        return p;
    }

    private static Set<String> fields(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void enqueueProducesTheSameJobAsTheTransferWorker() throws Exception {
        Path file = Files.copy(speechArchive, tmp.resolve("by-cli.tar.gz"));
        Result r = cli("enqueue", "--json", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("100%");
        JsonNode fromCli = json.readTree(r.out().strip());

        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.copy(speechArchive, inbox.resolve("by-transfer.tar.gz"));
        Map<String, String> env = env();
        env.put("TRANSFER_SOURCE", inbox.toUri().toString());
        env.put("TRANSFER_POLL_INTERVAL", "1s");
        env.put("STAGING_DIR", tmp.resolve("staging").toString());
        assertThat(worker("transfer-worker", env, "--once").waitFor(120)).isZero();
        JsonNode fromTransfer = null;
        for (String raw : redis.lrange("queue:unpack", 0, -1)) {
            JsonNode j = json.readTree(raw);
            if (j.get("original_filename").asText().equals("by-transfer.tar.gz")) {
                fromTransfer = j;
            }
        }
        assertThat(fromTransfer).isNotNull();
        assertThat(fields(fromCli)).isEqualTo(fields(fromTransfer))
                .containsExactlyInAnyOrder("batch_id", "s3_key", "original_filename", "transferred_at", "size_bytes", "sha256");
        assertThat(fromCli.get("sha256")).isEqualTo(fromTransfer.get("sha256"));
        assertThat(fromCli.get("size_bytes")).isEqualTo(fromTransfer.get("size_bytes"));
        assertThat(fromCli.get("s3_key").asText()).isEqualTo("archives/" + fromCli.get("batch_id").asText() + ".tar.gz");
        assertThat(store.head(fromCli.get("s3_key").asText()).orElseThrow().sha256()).isEqualTo(Checksums.sha256(file));
        assertThat(new BatchRepository(db).find(fromCli.get("batch_id").asText())).isPresent();
    }

    @Test
    void deadRetryBringsAJobBackAndItThenSucceeds() throws Exception {
        String batchId = BatchId.next(Clock.systemUTC());
        String key = "archives/" + batchId + ".tar.gz";
        redis.lpush("queue:unpack", codec.encode(new UnpackJob(batchId, key, "late.tar.gz", Instant.now(), null, null)));
        Map<String, String> env = env();
        env.put("NODE_NAME", "cli-dead");
        env.put("SCRATCH_ROOT", tmp.resolve("scratch").toString());
        worker("unpack-worker", env);
        await().atMost(Duration.ofSeconds(60)).until(() -> redis.llen("queue:unpack:dead") == 1);

        Result list = cli("dead", "list", "unpack");
        assertThat(list.out()).contains("attempts 1").contains(key + " does not exist");
        String id = list.out().strip().split("\\s+")[0];
        // a job pushed meanwhile dead-letters in front of it: the id still names the same entry, never a position
        redis.lpush("queue:unpack:dead", "{\"id\":\"00000000-0000-0000-0000-000000000000\",\"queue\":\"unpack\",\"payload\":\"{}\",\"error\":\"x\"}");
        Result show = cli("dead", "show", "unpack", id, "--json");
        assertThat(json.readTree(show.out()).get("payload").asText()).contains(batchId);

        store.upload(speechArchive, key, TransferProgress.NONE);
        Result retry = cli("dead", "retry", "unpack", id);
        assertThat(retry.exit()).as(retry.err()).isZero();
        // the hand-off sets the batch total before it publishes the files' jobs: wait for the last of them
        String transcribe = QueueKeys.transcribe("cli-dead").main();
        await().atMost(Duration.ofSeconds(60)).until(() -> redis.llen(transcribe) == 3);
        assertThat(new BatchTracker(redis).counts(batchId).total()).isEqualTo(3);
        assertThat(redis.llen("queue:unpack:dead")).as("only the entry pushed in front of it is left").isEqualTo(1);
        String settled = db.withHandle(h -> h.createQuery("SELECT settled_as FROM dead_letters WHERE id = '" + id + "'").mapTo(String.class).one());
        assertThat(settled)
                .as("the database's record says what became of it").isEqualTo("requeued");
    }

    @Test
    void purgeDeletesDeadLettersOnlyAfterTheOperatorSaysYes() throws Exception {
        redis.lpush("queue:unpack:dead", "{\"queue\":\"unpack\",\"payload\":\"{}\",\"error\":\"x\",\"attempts\":1}");
        Result no = cli(env(), "n\n", "dead", "purge", "unpack");
        assertThat(no.exit()).isEqualTo(1);
        assertThat(redis.llen("queue:unpack:dead")).isEqualTo(1);
        Result yes = cli("dead", "purge", "unpack", "--yes");
        assertThat(yes.exit()).isZero();
        assertThat(redis.llen("queue:unpack:dead")).isZero();
    }

    @Test
    void recoverAfterANodeLossCompletesTheBatchWithExactCounts() throws Exception {
        Map<String, String> nodeA = env();
        nodeA.put("NODE_NAME", "node-a");
        nodeA.put("SCRATCH_ROOT", tmp.resolve("scratch-a").toString());
        Result enqueued = cli("enqueue", speechArchive.toString());
        String batchId = enqueued.out().strip().split("\\s+")[0];
        ChildProgram unpackA = worker("unpack-worker", nodeA);
        await().atMost(Duration.ofSeconds(60)).until(() -> redis.llen(QueueKeys.transcribe("node-a").main()) == 3);
        // one file was transcribed on node A before it was lost
        String doneFile = "calls/clip-0.mp3";
        AudioFileRecord row = new AudioFileRepository(db).find(batchId, doneFile).orElseThrow();
        new TranscriptRepository(db).save(new TranscriptRecord(row.audioId(), "en", "done before the loss", "[]", "pocketsphinx", "0.8",
                "en-us", 2.6, 1.0, 0.4));
        io.audiopipeline.common.testing.TestLedger.processed(db, redis, batchId, doneFile);
        // node A is lost: its workers and its scratch volume are gone
        unpackA.kill();
        io.audiopipeline.common.batch.BatchCompletion.removeTree(tmp.resolve("scratch-a"));

        Result recover = cli("recover", batchId);
        assertThat(recover.exit()).as(recover.err()).isZero();
        assertThat(recover.out()).contains("3 stale job(s) dropped from queue:transcribe:node-a");
        assertThat(redis.llen(QueueKeys.transcribe("node-a").main())).isZero();

        Map<String, String> nodeB = env();
        nodeB.put("NODE_NAME", "node-b");
        nodeB.put("SCRATCH_ROOT", tmp.resolve("scratch-b").toString());
        worker("unpack-worker", nodeB);
        worker("gpu-worker", nodeB);
        await().atMost(Duration.ofMinutes(2)).until(() -> "completed".equals(new BatchRepository(db).find(batchId).orElseThrow().status()));
        // the keys mirror the row right after the commit that completed it
        await().atMost(Duration.ofSeconds(10)).until(() -> new BatchTracker(redis).counts(batchId).processed() + new BatchTracker(redis).counts(batchId).failed() == 3);
        BatchCounts counts = new BatchTracker(redis).counts(batchId);
        assertThat(counts.processed()).isEqualTo(3);
        assertThat(counts.failed()).isZero();
        assertThat(counts.node()).isEqualTo("node-b");
        List<TranscriptRecord> transcripts = new TranscriptRepository(db).byBatch(batchId);
        assertThat(transcripts).hasSize(3);
        assertThat(transcripts).extracting(TranscriptRecord::text).contains("done before the loss");
        assertThat(tmp.resolve("scratch-b").resolve(batchId)).doesNotExist();
    }

    @Test
    void transcriptsExportAsValidSrtWithIncreasingTimestamps() throws Exception {
        String batchId = BatchId.next(Clock.systemUTC());
        new BatchRepository(db).insertIfAbsent(batchId, "k", "f.tar", null, null, null);
        AudioFileRecord row = new AudioFileRepository(db).register(batchId, "a.mp3");
        new TranscriptRepository(db).save(new TranscriptRecord(row.audioId(), "en", "four five six seven", """
                [{"start":0.03,"end":1.2,"text":"four five","words":[]},{"start":1.3,"end":2.45,"text":"six","words":[]},
                 {"start":2.5,"end":3.0,"text":"seven","words":[]}]""", "pocketsphinx", "0.8", "en-us", 3.0, 1.0, 0.33));
        Result srt = cli("transcripts", batchId, "--format", "srt");
        assertThat(srt.exit()).as(srt.err()).isZero();
        Matcher cue = Pattern.compile("(\\d+)\\n(\\d{2}):(\\d{2}):(\\d{2}),(\\d{3}) --> (\\d{2}):(\\d{2}):(\\d{2}),(\\d{3})\\n(.+)\\n\\n")
                .matcher(srt.out());
        long previousEnd = -1;
        int n = 0;
        int consumed = 0;
        while (cue.find()) {
            assertThat(cue.start()).as("cues follow each other with nothing in between").isEqualTo(consumed);
            consumed = cue.end();
            assertThat(Integer.parseInt(cue.group(1))).isEqualTo(++n);
            long start = millis(cue, 2);
            long end = millis(cue, 6);
            assertThat(start).isLessThan(end).isGreaterThanOrEqualTo(previousEnd);
            previousEnd = end;
        }
        assertThat(n).isEqualTo(3);
        assertThat(consumed).isEqualTo(srt.out().length());

        Path out = tmp.resolve("export");
        assertThat(cli("transcripts", row.audioId().toString(), "--format", "vtt", "--out", out.toString()).exit()).isZero();
        assertThat(Files.readString(out.resolve(row.audioId() + ".vtt"))).startsWith("WEBVTT\n\n00:00:00.030 --> 00:00:01.200\nfour five");
        JsonNode exported = json.readTree(cli("transcripts", batchId, "--format", "json").out());
        assertThat(exported.get("segments")).hasSize(3);
    }

    private static long millis(Matcher m, int group) {
        return ((Long.parseLong(m.group(group)) * 60 + Long.parseLong(m.group(group + 1))) * 60 + Long.parseLong(m.group(group + 2))) * 1000
                + Long.parseLong(m.group(group + 3));
    }

    @Test
    void statusReportsABatchWithoutProgressAsStuck() throws Exception {
        String stuck = "20250101-000000-aaaaaa";
        String fresh = BatchId.next(Clock.systemUTC());
        new BatchRepository(db).insertIfAbsent(stuck, "archives/" + stuck + ".tar", "old.tar", null, null, null);
        new BatchRepository(db).insertIfAbsent(fresh, "archives/" + fresh + ".tar", "new.tar", null, null, null);
        db.withHandle(h -> h.execute("UPDATE batches SET created_at = now() - interval '3 hours', updated_at = now() - interval '2 hours' "
                + "WHERE batch_id = ?", stuck));
        redis.lpush("queue:unpack", "{}");
        Result status = cli("status", "--json", "--stuck-after", "30m");
        assertThat(status.exit()).as("stuck batches make the exit status 1").isEqualTo(1);
        JsonNode report = json.readTree(status.out());
        assertThat(report.get("stuck_batches").asInt()).isEqualTo(1);
        for (JsonNode b : report.get("active_batches")) {
            assertThat(b.get("stuck").asBoolean()).as(b.get("batch_id").asText()).isEqualTo(b.get("batch_id").asText().equals(stuck));
        }
        assertThat(report.get("queues").toString()).contains("\"queue\":\"unpack\",\"waiting\":1");
        Result human = cli("status");
        assertThat(human.out()).contains("STUCK: no progress for 2h").contains("queue:unpack");
    }

    @Test
    void statusListsARunningTransferWorkerAsFeedingTheUnpackQueue() throws Exception {
        Map<String, String> env = env();
        env.put("TRANSFER_SOURCE", Files.createDirectories(tmp.resolve("inbox")).toUri().toString());
        env.put("STAGING_DIR", tmp.resolve("staging").toString());
        env.put("NODE_NAME", "export-gw");
        env.put("HTTP_PORT", "0");
        ChildProgram transfer = worker("transfer-worker", env);

        await().atMost(Duration.ofMinutes(1)).until(() -> !json.readTree(cli("status", "--json").out()).get("workers").isEmpty());
        JsonNode beat = json.readTree(cli("status", "--json").out()).get("workers").get(0);
        assertThat(beat.get("feeds").asText()).isEqualTo("unpack");
        assertThat(beat.get("kind").asText()).isEqualTo("transfer");
        assertThat(beat.get("node").asText()).isEqualTo("export-gw");
        assertThat(beat.get("pid").asLong()).isEqualTo(transfer.pid());
        assertThat(cli("status").out()).containsPattern("transfer +node export-gw +pid " + transfer.pid() + " .* idle");
    }

    @Test
    void retentionSaysClearlyWhenTheServiceHasNoLifecycleRules() throws Exception {
        Result r = cli("retention", "--days", "30");
        assertThat(r.exit()).as("S3Proxy answers 501").isEqualTo(3);
        assertThat(r.err()).contains("does not support lifecycle rules (501 Not Implemented)");
    }

    @Test
    void badConfigurationExits78WithOneLine() throws Exception {
        Map<String, String> env = env();
        env.put("REDIS_URL", "http://nope");
        Result r = cli(env, null, "status");
        assertThat(r.exit()).isEqualTo(78);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("pipeline: configuration error: REDIS_URL: must be a URL with scheme");
    }
}
