package io.audiopipeline.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.batch.Outcome;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.queue.DeadLetters;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.storage.TransferProgress;
import io.audiopipeline.sandbox.ArchiveBuilder;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.common.testing.ServerFixture;
import io.audiopipeline.common.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

class UnpackWorkerIT {
    private static final String BUCKET = "unpack-it";
    private static final String NODE = "gpu-test-01";
    private static UnpackRig rig;
    private static ServerFixture servers;
    private static ObjectStore store;
    private static UnifiedJedis redis;
    private static Path audio;
    private final ObjectMapper json = new ObjectMapper();
    private final JobCodec codec = new JobCodec();
    private Database db;

    @TempDir
    Path tmp;
    Path scratch;

    @BeforeAll
    static void servers(@TempDir Path fixtures) throws Exception {
        rig = UnpackRig.start(BUCKET, NODE);
        servers = rig.servers;
        store = servers.store;
        redis = servers.redis;
        audio = fixtures;
        Path wav = AudioFixtures.speech("four five six seven eight nine", fixtures.resolve("speech.wav"));
        AudioFixtures.encode(wav, fixtures.resolve("speech.mp3"));
        AudioFixtures.encode(wav, fixtures.resolve("speech.flac"));
        AudioFixtures.encode(wav, fixtures.resolve("speech.m4a"));
        Files.write(fixtures.resolve("corrupt.mp3"), "ID3 this is not an mp3 at all, just text pretending".repeat(50).getBytes());
    }

    @AfterAll
    static void stopServers() throws Exception {
        rig.close();
    }

    @BeforeEach
    void clean() throws Exception {
        db = servers.reset();
        scratch = Files.createDirectories(tmp.resolve("scratch"));
    }

    @AfterEach
    void stopWorkers() throws Exception {
        rig.stopWorkers();
        db.close();
    }

    private Map<String, String> env() {
        return rig.env(scratch);
    }

    private Worker<UnpackJob> startWorker(Map<String, String> env) {
        return startWorker(env, ArchiveRetention.KEEP);
    }

    private Worker<UnpackJob> startWorker(Map<String, String> env, ArchiveRetention retention) {
        return rig.startWorker(env, retention, db);
    }

    private UnpackJob publish(Path archive) throws Exception {
        return rig.publish(db, archive);
    }

    private List<JsonNode> transcribeJobs() throws Exception {
        List<JsonNode> jobs = new ArrayList<>();
        for (String raw : redis.lrange(QueueKeys.transcribe(NODE).main(), 0, -1)) {
            jobs.add(json.readTree(raw));
        }
        return jobs;
    }

    private DeadLetters dead() {
        return new DeadLetters(redis, QueueKeys.unpack(), codec.mapper());
    }

    @Test
    void mixedFormatsInNestedFoldersBecomeMono16kOpusWithContractKeysAndJobs() throws Exception {
        Path archive = new ArchiveBuilder()
                .file("calls/monday/hello.mp3", audio.resolve("speech.mp3"))
                .file("calls/tuesday/hello.mp3", audio.resolve("speech.mp3"))
                .file("calls/x.wav", audio.resolve("speech.wav"))
                .file("calls/y.flac", audio.resolve("speech.flac"))
                .file("calls/z.m4a", audio.resolve("speech.m4a"))
                .text("calls/README.txt", "not audio")
                .writeTarGz(tmp.resolve("calls.tar.gz"));
        UnpackJob job = publish(archive);
        startWorker(env());
        await().atMost(Duration.ofSeconds(60)).until(() -> redis.llen(QueueKeys.transcribe(NODE).main()) == 5);

        BatchCounts counts = new BatchTracker(redis).counts(job.batchId());
        assertThat(counts.total()).isEqualTo(5);
        assertThat(counts.processed()).isZero();
        assertThat(counts.failed()).isZero();
        assertThat(counts.s3Key()).isEqualTo(job.s3Key());
        assertThat(counts.node()).isEqualTo(NODE);
        assertThat(redis.get("batch:{" + job.batchId() + "}:total")).as("the literal contract key").isEqualTo("5");

        List<JsonNode> jobs = transcribeJobs();
        assertThat(jobs).extracting(j -> j.get("original_filename").asText()).containsExactlyInAnyOrder(
                "calls/monday/hello.mp3", "calls/tuesday/hello.mp3", "calls/x.wav", "calls/y.flac", "calls/z.m4a");
        assertThat(jobs).extracting(j -> j.get("opus_path").asText()).doesNotHaveDuplicates();
        double sourceDuration = AudioFixtures.duration(audio.resolve("speech.wav"));
        for (JsonNode j : jobs) {
            assertThat(j.get("batch_id").asText()).isEqualTo(job.batchId());
            Path opus = Path.of(j.get("opus_path").asText());
            assertThat(opus).startsWith(scratch.resolve(job.batchId())).exists();
            assertThat(AudioFixtures.streamInfo(opus)).contains("codec_name=opus", "channels=1");
            assertThat(AudioFixtures.opusInputSampleRate(opus)).as("encoded from 16 kHz").isEqualTo(16_000);
            assertThat(AudioFixtures.duration(opus)).isCloseTo(sourceDuration, org.assertj.core.data.Percentage.withPercentage(2));
            assertThat(j.get("duration_seconds").asDouble()).isCloseTo(sourceDuration, org.assertj.core.data.Percentage.withPercentage(2));
            assertThat(j.get("sha256").asText()).isEqualTo(io.audiopipeline.common.storage.Checksums.sha256(opus));
        }
        assertThat(new BatchRepository(db).find(job.batchId()).orElseThrow().status()).isEqualTo("transcribing");
        try (Stream<Path> left = Files.walk(scratch.resolve(job.batchId()))) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("sources and the archive are deleted after conversion")
                    .noneMatch(n -> n.endsWith(".mp3") || n.endsWith(".wav") || n.endsWith(".tar.gz") || n.endsWith(".part"));
        }
    }

    @Test
    void aCorruptRecordingFailsAloneAndTheBatchCanStillReachItsTotal() throws Exception {
        Path archive = new ArchiveBuilder()
                .file("good1.mp3", audio.resolve("speech.mp3"))
                .file("bad.mp3", audio.resolve("corrupt.mp3"))
                .file("good2.wav", audio.resolve("speech.wav"))
                .writeZip(tmp.resolve("mixed.zip"));
        UnpackJob job = publish(archive);
        startWorker(env());
        await().atMost(Duration.ofSeconds(60)).until(() -> redis.llen(QueueKeys.transcribe(NODE).main()) == 2);
        BatchTracker tracker = new BatchTracker(redis);
        await().atMost(Duration.ofSeconds(10)).until(() -> tracker.counts(job.batchId()).total() != null);
        BatchCounts counts = tracker.counts(job.batchId());
        assertThat(counts.total()).isEqualTo(3);
        assertThat(counts.failed()).isEqualTo(1);

        AudioFileRecord bad = new AudioFileRepository(db).byBatch(job.batchId()).stream()
                .filter(f -> f.originalFilename().equals("bad.mp3")).findFirst().orElseThrow();
        assertThat(bad.status()).isEqualTo("failed");
        assertThat(bad.error()).startsWith("ffmpeg could not convert bad.mp3");
        assertThat(events(job.batchId(), "conversion_failed")).isEqualTo(1);

        // the GPU side settles the two good files: the batch completes exactly at the total
        assertThat(io.audiopipeline.common.testing.TestLedger.processed(db, redis, job.batchId(), "good1.mp3")).isEqualTo(Outcome.COUNTED);
        assertThat(io.audiopipeline.common.testing.TestLedger.processed(db, redis, job.batchId(), "good2.wav")).isEqualTo(Outcome.COMPLETED);
    }

    @Test
    void hostileArchivesAreRejectedNamingTheEntryAndNothingIsWrittenOutside() throws Exception {
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        Map<String, Path> archives = new java.util.LinkedHashMap<>();
        archives.put("../escape.txt", new ArchiveBuilder().file("ok.mp3", audio.resolve("speech.mp3"))
                .text("../escape.txt", "x").writeTar(tmp.resolve("dotdot.tar")));
        archives.put(outside + "/abs.txt", new ArchiveBuilder().text(outside + "/abs.txt", "x").writeTar(tmp.resolve("abs.tar")));
        archives.put("link", new ArchiveBuilder().symlink("link", outside.toString()).text("link/pwned.txt", "x")
                .writeTarGz(tmp.resolve("symlink.tar.gz")));
        archives.put("hard", new ArchiveBuilder().hardlink("hard", "../../../../etc/passwd").writeTar(tmp.resolve("hardlink.tar")));
        archives.put("dev/null", new ArchiveBuilder().charDevice("dev/null").writeTar(tmp.resolve("device.tar")));
        archives.put("pipe", new ArchiveBuilder().fifo("pipe").writeTar(tmp.resolve("fifo.tar")));
        archives.put("bomb.wav", new ArchiveBuilder().zeros("bomb.wav", 64L * 1024 * 1024).writeZip(tmp.resolve("bomb.zip")));
        List<UnpackJob> jobs = new ArrayList<>();
        for (Path a : archives.values()) {
            jobs.add(publish(a));
        }
        startWorker(env());
        await().atMost(Duration.ofSeconds(60)).until(() -> dead().size() == archives.size());

        List<DeadLetter> entries = dead().list(0, 100);
        for (String entry : archives.keySet()) {
            assertThat(entries).extracting(DeadLetter::error).as("a dead-letter reason names %s", entry)
                    .anyMatch(reason -> reason.contains("'" + entry + "'"));
        }
        assertThat(entries).allSatisfy(e -> assertThat(e.attempts()).as("permanent: not retried").isEqualTo(1));
        try (Stream<Path> files = Files.list(outside)) {
            assertThat(files).as("nothing written outside the batch dir").isEmpty();
        }
        assertThat(tmp.resolve("escape.txt")).doesNotExist();
        assertThat(scratch.getParent().resolve("escape.txt")).doesNotExist();
        for (UnpackJob job : jobs) {
            assertThat(scratch.resolve(job.batchId())).as("the batch dir of a rejected archive is removed").doesNotExist();
            assertThat(new BatchRepository(db).find(job.batchId()).orElseThrow().status()).isEqualTo("failed");
        }
    }

    @Test
    void aChecksumMismatchIsDownloadedOnceMoreThenDeadLetteredWithoutFurtherAttempts() throws Exception {
        Path archive = new ArchiveBuilder().file("a.mp3", audio.resolve("speech.mp3")).writeTarGz(tmp.resolve("sum.tar.gz"));
        UnpackJob published = publish(archive);
        // the stored object is no longer the archive the job names (same size, other bytes)
        byte[] other = Files.readAllBytes(archive);
        other[other.length / 2] ^= 0x5a;
        store.upload(Files.write(tmp.resolve("altered.tar.gz"), other), published.s3Key(), TransferProgress.NONE);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(UnpackHandler.class)).addAppender(logs);
        startWorker(env());
        await().atMost(Duration.ofSeconds(30)).until(() -> dead().size() == 1);
        DeadLetter entry = dead().list(0, 1).get(0);
        assertThat(entry.attempts()).as("no retry can change the stored object").isEqualTo(1);
        assertThat(entry.error()).startsWith("download of " + published.s3Key() + " is corrupt").contains("downloaded twice");
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).filteredOn(m -> m.endsWith("downloading it once more")).hasSize(1);
        assertThat(scratch.resolve(published.batchId())).doesNotExist();
        assertThat(redis.llen(QueueKeys.transcribe(NODE).main())).isZero();
    }

    @Test
    void aCorruptArchiveIsDeadLetteredAtOnceNamingWhereItBroke() throws Exception {
        Path whole = new ArchiveBuilder().file("a.mp3", audio.resolve("speech.mp3")).file("b.mp3", audio.resolve("speech.mp3"))
                .writeTarGz(tmp.resolve("whole.tar.gz"));
        byte[] bytes = Files.readAllBytes(whole);
        Path truncated = Files.write(tmp.resolve("truncated.tar.gz"), java.util.Arrays.copyOf(bytes, bytes.length * 2 / 3));
        UnpackJob job = publish(truncated);
        startWorker(env());
        await().atMost(Duration.ofSeconds(30)).until(() -> dead().size() == 1);
        DeadLetter entry = dead().list(0, 1).get(0);
        assertThat(entry.attempts()).as("a corrupt archive stays corrupt: not retried").isEqualTo(1);
        assertThat(entry.error()).startsWith("the archive is corrupt");
        assertThat(scratch.resolve(job.batchId())).doesNotExist();
    }

    @Test
    void aMissingObjectIsAPermanentFailureWithAClearReason() throws Exception {
        String batchId = BatchId.next(Clock.systemUTC());
        UnpackJob job = new UnpackJob(batchId, "archives/" + batchId + ".tar", "nope.tar", Instant.now(), null, null);
        redis.lpush(QueueKeys.unpack().main(), codec.encode(job));
        startWorker(env());
        await().atMost(Duration.ofSeconds(30)).until(() -> dead().size() == 1);
        assertThat(dead().list(0, 1).get(0).error()).isEqualTo("s3_key archives/" + batchId + ".tar does not exist in bucket " + BUCKET);
    }

    @Test
    void aPlaylistDisguisedAsARecordingFailsAloneAndReadsNothingElseOnTheNode() throws Exception {
        Path secret = AudioFixtures.speech("this is another customer's secret", tmp.resolve("secret.wav"));
        String playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n" + secret + "\n#EXT-X-ENDLIST\n";
        Path archive = new ArchiveBuilder().text("evil.mp3", playlist).file("good.mp3", audio.resolve("speech.mp3"))
                .writeTarGz(tmp.resolve("playlist.tar.gz"));
        UnpackJob job = publish(archive);
        startWorker(env());
        await().atMost(Duration.ofSeconds(60)).until(() -> redis.llen(QueueKeys.transcribe(NODE).main()) == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> new BatchTracker(redis).counts(job.batchId()).total() != null);
        BatchCounts counts = new BatchTracker(redis).counts(job.batchId());
        assertThat(counts.total()).isEqualTo(2);
        assertThat(counts.failed()).as("the playlist fails alone").isEqualTo(1);
        AudioFileRecord evil = new AudioFileRepository(db).byBatch(job.batchId()).stream()
                .filter(f -> f.originalFilename().equals("evil.mp3")).findFirst().orElseThrow();
        assertThat(evil.status()).isEqualTo("failed");
        assertThat(evil.error()).contains("not on whitelist");
        assertThat(transcribeJobs()).extracting(j -> j.get("original_filename").asText()).containsExactly("good.mp3");
        try (Stream<Path> opus = Files.list(scratch.resolve(job.batchId()).resolve("opus"))) {
            assertThat(opus.map(p -> p.getFileName().toString())).as("no Opus made from the other file").noneMatch(n -> n.contains("evil"));
        }
    }

    @Test
    void twoArchivesClaimingOneBatchIdAtOnceNeverShareItsDirAndTheSecondIsRefusedNamingBoth() throws Exception {
        String batchId = BatchId.next(Clock.systemUTC());
        ArchiveBuilder six = new ArchiveBuilder();
        for (int i = 0; i < 6; i++) {
            six.file("six/" + i + ".mp3", audio.resolve("speech.mp3"));
        }
        Path a = six.writeTarGz(tmp.resolve("six.tar.gz"));
        Path b = new ArchiveBuilder().file("three/1.wav", audio.resolve("speech.wav")).file("three/2.wav", audio.resolve("speech.wav"))
                .file("three/3.wav", audio.resolve("speech.wav")).writeZip(tmp.resolve("three.zip"));
        store.upload(a, "archives/" + batchId + ".tar.gz", TransferProgress.NONE);
        store.upload(b, "archives/" + batchId + ".zip", TransferProgress.NONE);
        // pushed by hand, at once: no batch row yet for either
        redis.lpush(QueueKeys.unpack().main(), codec.encode(new UnpackJob(batchId, "archives/" + batchId + ".tar.gz", "six.tar.gz",
                Instant.now(), null, null)), codec.encode(new UnpackJob(batchId, "archives/" + batchId + ".zip", "three.zip",
                Instant.now(), null, null)));
        Map<String, String> env = env();
        env.put("WORKER_CONCURRENCY", "2");
        env.put("MAX_ATTEMPTS", "5");
        startWorker(env);
        await().atMost(Duration.ofSeconds(60)).until(() -> dead().size() == 1 && new BatchTracker(redis).counts(batchId).total() != null
                && redis.llen(QueueKeys.transcribe(NODE).main()) == new BatchTracker(redis).counts(batchId).total());

        BatchCounts counts = new BatchTracker(redis).counts(batchId);
        assertThat(counts.total()).as("one archive's recordings, whole").isIn(6L, 3L);
        assertThat(counts.failed()).as("no file lost to the other delivery").isZero();
        assertThat(transcribeJobs()).extracting(j -> Path.of(j.get("opus_path").asText())).allSatisfy(p -> assertThat(p).exists());
        assertThat(dead().list(0, 1).get(0).error()).contains("archives/" + batchId + ".tar.gz").contains("archives/" + batchId + ".zip");
        assertThat(new BatchRepository(db).find(batchId).orElseThrow().status()).as("the batch goes on").isEqualTo("transcribing");
    }

    @Test
    void aJobNamingAnotherObjectIsRefusedAndNothingItNamesIsReadOrDeleted() throws Exception {
        // a real batch, and an object outside archives/ that must survive
        Path archive = new ArchiveBuilder().file("a.mp3", audio.resolve("speech.mp3")).writeTarGz(tmp.resolve("victim.tar.gz"));
        UnpackJob victim = publish(archive);
        redis.del(QueueKeys.unpack().main());
        Path keep = Files.write(tmp.resolve("keep-me.tar"), "precious bytes".getBytes());
        store.upload(keep, "other/keep-me.tar", TransferProgress.NONE);
        store.upload(keep, "other/y.tar", TransferProgress.NONE);
        String victimSha = store.head(victim.s3Key()).orElseThrow().sha256();

        List<String> forgedKeys = List.of(victim.s3Key(), "other/keep-me.tar", "archives/../other/y.tar",
                "archives/" + victim.batchId() + ".tar.gz.bak");
        for (String key : forgedKeys) {
            String forgedBatch = BatchId.next(Clock.systemUTC());
            redis.lpush(QueueKeys.unpack().main(), codec.encode(new UnpackJob(forgedBatch, key, "forged.tar.gz", Instant.now(), null, null)));
        }
        // the victim's own id with another archive: refused, naming both keys
        Path other = new ArchiveBuilder().file("b.mp3", audio.resolve("speech.mp3")).writeTarGz(tmp.resolve("other.tar.gz"));
        store.upload(other, "archives/" + victim.batchId() + ".tar", TransferProgress.NONE);
        redis.lpush(QueueKeys.unpack().main(), codec.encode(new UnpackJob(victim.batchId(), "archives/" + victim.batchId() + ".tar", "other.tar",
                Instant.now(), null, null)));
        startWorker(env(), ArchiveRetention.DELETE);
        await().atMost(Duration.ofSeconds(30)).until(() -> dead().size() == forgedKeys.size() + 1);

        List<DeadLetter> entries = dead().list(0, 100);
        assertThat(entries).allSatisfy(e -> assertThat(e.attempts()).as("refused at once").isEqualTo(1));
        assertThat(entries).extracting(DeadLetter::error).filteredOn(r -> r.contains("is not an archive of batch")).hasSize(forgedKeys.size());
        assertThat(entries).extracting(DeadLetter::error).anyMatch(r -> r.contains("already holds archive " + victim.s3Key())
                && r.contains("this job names archives/" + victim.batchId() + ".tar"));
        assertThat(store.head(victim.s3Key()).orElseThrow().sha256()).as("the other batch's archive is untouched").isEqualTo(victimSha);
        assertThat(store.head("other/keep-me.tar")).isPresent();
        assertThat(store.head("other/y.tar")).isPresent();
        assertThat(new BatchRepository(db).find(victim.batchId()).orElseThrow().status()).as("the victim batch is not marked failed")
                .isEqualTo("queued");
        assertThat(new BatchTracker(redis).counts(victim.batchId()).exists()).as("no counter of the victim moved").isFalse();
        assertThat(redis.llen(QueueKeys.transcribe(NODE).main())).isZero();
    }

    @Test
    void anArchiveWithoutRecordingsCompletesItsBatchAtOnce() throws Exception {
        Path archive = new ArchiveBuilder().text("notes/readme.txt", "nothing to hear").writeTarGz(tmp.resolve("empty.tar.gz"));
        UnpackJob job = publish(archive);
        startWorker(env());
        await().atMost(Duration.ofSeconds(30)).until(() -> "completed".equals(new BatchRepository(db).find(job.batchId()).orElseThrow().status()));
        // the keys mirror the row, and are set to expire, right after the commit that completed it
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.ttl("batch:{" + job.batchId() + "}:total") > 0);
        BatchCounts counts = new BatchTracker(redis).counts(job.batchId());
        assertThat(counts.total()).isZero();
        assertThat(new BatchRepository(db).find(job.batchId()).orElseThrow().totalFiles()).isZero();
        assertThat(redis.ttl("batch:{" + job.batchId() + "}:total")).as("keys expire after completion").isPositive();
        assertThat(scratch.resolve(job.batchId())).doesNotExist();
        assertThat(redis.llen(QueueKeys.transcribe(NODE).main())).isZero();
    }

    @Test
    void aSecondArchiveForACompletedBatchIdIsDeadLetteredNamingBothNotSilentlyAcked() throws Exception {
        Path archive = new ArchiveBuilder().text("notes/readme.txt", "nothing to hear").writeTarGz(tmp.resolve("done.tar.gz"));
        UnpackJob job = publish(archive);
        startWorker(env());
        await().atMost(Duration.ofSeconds(30)).until(() -> "completed".equals(new BatchRepository(db).find(job.batchId()).orElseThrow().status()));
        Path other = new ArchiveBuilder().file("a.mp3", audio.resolve("speech.mp3")).writeZip(tmp.resolve("other.zip"));
        store.upload(other, "archives/" + job.batchId() + ".zip", TransferProgress.NONE);
        redis.lpush(QueueKeys.unpack().main(), codec.encode(new UnpackJob(job.batchId(), "archives/" + job.batchId() + ".zip", "other.zip",
                Instant.now(), null, null)));
        await().atMost(Duration.ofSeconds(30)).until(() -> dead().size() == 1);
        assertThat(dead().list(0, 1).get(0).error()).contains("already holds archive " + job.s3Key())
                .contains("this job names archives/" + job.batchId() + ".zip");
        assertThat(new BatchRepository(db).find(job.batchId()).orElseThrow().status()).as("the completed batch stays completed")
                .isEqualTo("completed");
    }

    @Test
    void aRedeliveredJobAfterTheHandOffEnqueuesNothingTwiceAndResetsNoCounter() throws Exception {
        Path archive = new ArchiveBuilder()
                .file("a.mp3", audio.resolve("speech.mp3"))
                .file("b.flac", audio.resolve("speech.flac"))
                .writeTarGz(tmp.resolve("twice.tar.gz"));
        UnpackJob job = publish(archive);
        String payload = redis.lindex(QueueKeys.unpack().main(), 0);
        Worker<UnpackJob> worker = startWorker(env());
        await().atMost(Duration.ofSeconds(60)).until(() -> redis.llen(QueueKeys.transcribe(NODE).main()) == 2);
        BatchTracker tracker = new BatchTracker(redis);
        io.audiopipeline.common.testing.TestLedger.processed(db, redis, job.batchId(), "a.mp3");

        // the worker died after the hand-off, before its ack: the same job is delivered again
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(UnpackHandler.class)).addAppender(logs);
        redis.lpush(QueueKeys.unpack().main(), payload);
        await().atMost(Duration.ofSeconds(30)).until(() -> logs.list.stream()
                .anyMatch(e -> e.getFormattedMessage().startsWith("resuming the hand-off of batch " + job.batchId())));
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.llen(QueueKeys.unpack().main()) == 0
                && worker.queue().stats().inFlight() == 0);
        assertThat(redis.llen(QueueKeys.transcribe(NODE).main())).as("no file enqueued twice").isEqualTo(2);
        BatchCounts counts = tracker.counts(job.batchId());
        assertThat(counts.total()).isEqualTo(2);
        assertThat(counts.processed()).as("counters not reset").isEqualTo(1);
    }

    @Test
    void aHundredFileArchiveConvertsInParallelAndLogsItsRates() throws Exception {
        ArchiveBuilder builder = new ArchiveBuilder();
        Path clips = Files.createDirectories(tmp.resolve("clips"));
        for (int i = 0; i < 100; i++) {
            builder.file("clips/clip-" + i + ".wav", AudioFixtures.tone(clips.resolve(i + ".wav"), 1.0, 16_000, 200 + i * 5));
        }
        UnpackJob job = publish(builder.writeTarGz(tmp.resolve("hundred.tar.gz")));
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(RecordingConverter.class)).addAppender(logs);
        startWorker(env());
        await().atMost(Duration.ofMinutes(3)).until(() -> redis.llen(QueueKeys.transcribe(NODE).main()) == 100);
        assertThat(new BatchTracker(redis).counts(job.batchId()).total()).isEqualTo(100);
        String summary = logs.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("conversion done: 100 recordings (0 failed)")).findFirst().orElseThrow();
        assertThat(summary).containsPattern("[0-9.]+ files/s, [0-9.]+ audio-seconds/s");
        assertThat(logs.list).extracting(ILoggingEvent::getThreadName).as("conversions ran on the pool").anyMatch(t -> t.startsWith("pool-"));
    }

    @Test
    void aLongTranscribeBacklogPausesTheWorkerUntilItDrains() throws Exception {
        Map<String, String> env = env();
        env.put("UNPACK_MAX_BACKLOG", "1");
        redis.lpush(QueueKeys.transcribe(NODE).main(), "{}", "{}");
        Path archive = new ArchiveBuilder().file("a.mp3", audio.resolve("speech.mp3")).writeTarGz(tmp.resolve("wait.tar.gz"));
        UnpackJob job = publish(archive);
        startWorker(env);
        Thread.sleep(2_500);
        assertThat(redis.llen(QueueKeys.unpack().main())).as("job not taken while the backlog is long").isEqualTo(1);
        redis.del(QueueKeys.transcribe(NODE).main());
        await().atMost(Duration.ofSeconds(30)).until(() -> new BatchTracker(redis).counts(job.batchId()).total() != null);
    }

    private long events(String batchId, String event) throws Exception {
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM pipeline_events WHERE batch_id = ? AND event = ?")
                .bind(0, batchId).bind(1, event).mapTo(Long.class).one());
    }
}
