package io.audiopipeline.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.TranscriptRecord;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.sandbox.ArchiveBuilder;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.sandbox.EmbeddedS3;
import io.audiopipeline.sandbox.GnuTar;
import io.audiopipeline.sandbox.LibriVox;
import io.audiopipeline.sandbox.WordErrorRate;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.LocalPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * The whole pipeline as operators run it: bin/transfer-worker, bin/unpack-worker and bin/gpu-worker as
 * separate processes against real Redis, PostgreSQL and an S3-compatible server, transcribing real
 * speech with the CPU engine.
 */
class EndToEndIT {
    private static final String BUCKET = "e2e";
    private static final Map<String, String> SPOKEN = new LinkedHashMap<>();

    static {
        SPOKEN.put("numbers.mp3", "four five six seven eight nine");
        SPOKEN.put("meeting/notes.mp3", "the meeting starts at nine thirty tomorrow morning");
        SPOKEN.put("callback/voicemail.mp3", "please call me back at seven");
    }

    private static final Map<String, Set<String>> KEYWORDS = Map.of(
            "numbers.mp3", Set.of("four", "five", "six", "seven", "eight", "nine"),
            "meeting/notes.mp3", Set.of("meeting", "starts", "nine", "thirty", "tomorrow", "morning"),
            "callback/voicemail.mp3", Set.of("please", "call", "back", "seven"));

    @TempDir
    Path tmp;

    @Test
    void anArchiveOfSpokenEnglishFlowsThroughTheThreeWorkerProcesses() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        Path logs = ChildProgram.projectRoot().resolve("gpu-worker/target/e2e-logs");
        ArchiveBuilder archive = new ArchiveBuilder();
        for (Map.Entry<String, String> e : SPOKEN.entrySet()) {
            Path wav = AudioFixtures.speech(e.getValue(), tmp.resolve(e.getKey().replace('/', '_') + ".wav"));
            archive.file(e.getKey(), AudioFixtures.encode(wav, tmp.resolve(e.getKey().replace('/', '_'))));
        }
        archive.writeTarGz(inbox.resolve("calls-e2e.tar.gz"));

        try (EmbeddedS3 s3 = EmbeddedS3.temporary(); ObjectStore store = new ObjectStore(TestServers.s3Config(s3, BUCKET));
             UnifiedJedis redis = TestServers.redis(); Database db = TestServers.freshDatabase()) {
            store.createBucketIfMissing();
            TestServers.flushRedis(redis);
            Map<String, String> env = pipelineEnv(s3, "e2e-node", scratch, inbox);
            env.put("TRANSFER_POLL_INTERVAL", "1s");

            long started = System.nanoTime();
            try (ChildProgram unpack = ChildProgram.start("unpack-worker", env, logs);
                 ChildProgram gpu = ChildProgram.start("gpu-worker", env, logs)) {
                ChildProgram transfer = ChildProgram.start("transfer-worker", env, logs, "--once");
                assertThat(transfer.waitFor(120)).as("transfer-worker --once exit status; log %s", transfer.logFile()).isZero();

                BatchRepository batches = new BatchRepository(db);
                String batchId = theBatchOnceSettled(db);
                double wall = (System.nanoTime() - started) / 1e9;

                BatchRecord batch = batches.find(batchId).orElseThrow();
                assertThat(batch.status()).isEqualTo("completed");
                assertThat(batch.completedAt()).isNotNull();
                BatchCounts counts = mirrored(redis, batches, batchId);
                assertThat(counts.total()).isEqualTo(3);
                assertThat(counts.processed()).isEqualTo(3);
                assertThat(counts.failed()).isZero();
                assertThat(batch.processedFiles()).isEqualTo(3);
                assertThat(scratch.resolve(batchId)).as("scratch dir removed").doesNotExist();

                int hits = 0;
                int expected = 0;
                double audio = 0;
                double processing = 0;
                ObjectMapper json = new ObjectMapper();
                for (AudioFileRecord file : new AudioFileRepository(db).byBatch(batchId)) {
                    TranscriptRecord t = new TranscriptRepository(db).find(file.audioId()).orElseThrow();
                    Set<String> words = Arrays.stream(t.text().toLowerCase(Locale.ROOT).split("\\s+")).collect(Collectors.toSet());
                    Set<String> keywords = KEYWORDS.get(file.originalFilename());
                    long found = keywords.stream().filter(words::contains).count();
                    assertThat(found).as("keywords of %s found in '%s'", file.originalFilename(), t.text()).isGreaterThanOrEqualTo(keywords.size() / 2);
                    hits += found;
                    expected += keywords.size();
                    for (JsonNode segment : json.readTree(t.segmentsJson())) {
                        for (JsonNode word : segment.path("words")) {
                            assertThat(word.path("start").asDouble()).isGreaterThanOrEqualTo(0);
                            assertThat(word.path("end").asDouble()).isLessThanOrEqualTo(t.durationSeconds() + 0.05)
                                    .isGreaterThanOrEqualTo(word.path("start").asDouble());
                        }
                    }
                    assertThat(store.head(file.s3Key())).as("processed Opus object of %s", file.originalFilename()).isPresent();
                    assertThat(file.s3Key()).startsWith("processed/");
                    audio += t.durationSeconds();
                    processing += t.processingSeconds();
                }
                System.out.printf(Locale.ROOT, "END-TO-END: keyword hit rate %d/%d (%.0f%%), %.1f s of audio, engine time %.2f s "
                        + "(realtime factor %.3f), wall time %.1f s%n", hits, expected, 100.0 * hits / expected, audio, processing,
                        processing / audio, wall);

                assertThat(unpack.terminate(60)).as("SIGTERM: unpack-worker exits 0").isZero();
                assertThat(gpu.terminate(60)).as("SIGTERM: gpu-worker exits 0").isZero();
                assertThat(gpu.output()).contains("batch_id=" + batchId).contains("audio_id=");
            }
        }
    }

    /**
     * A real export: packed with {@code tar -C dir -czf x.tgz .}, names in French, German, Chinese and
     * emoji, a silent voicemail and a noise-only one, and workers started as systemd starts them (no
     * locale at all; then an explicit ASCII-only one, which the programs must handle by themselves).
     */
    @ParameterizedTest(name = "LC_ALL={0}")
    @ValueSource(strings = {"", "POSIX"})
    void aRealExportWithNamesInFourScriptsAndSilentRecordingsCompletesUnderASystemdEnvironment(String lcAll) throws Exception {
        Map<String, String> spoken = new LinkedHashMap<>();
        spoken.put("Réunion/café numéro un.mp3", "four five six seven eight nine");
        spoken.put("Grüße/Straße.mp3", "please call me back at seven");
        spoken.put("中文/你好.mp3", "the meeting starts at nine thirty tomorrow morning");
        spoken.put("🎙/memo 🎉.mp3", "four five six seven eight nine");
        Path export = Files.createDirectories(tmp.resolve("export"));
        for (Map.Entry<String, String> e : spoken.entrySet()) {
            Path target = Files.createDirectories(export.resolve(e.getKey()).getParent()).resolve(export.resolve(e.getKey()).getFileName());
            AudioFixtures.encode(AudioFixtures.speech(e.getValue(), tmp.resolve(spoken.size() + "-" + target.getFileName().hashCode() + ".wav")),
                    target);
        }
        Path voicemail = Files.createDirectories(export.resolve("voicemail"));
        ffmpeg("anullsrc=r=16000:cl=mono", "5", voicemail.resolve("silence.wav"));
        // steady hiss on a fixed seed: the CPU engine, like any recogniser, may guess a word in some random noise
        ffmpeg("anoisesrc=c=white:a=0.01:seed=1", "4", voicemail.resolve("noise.flac"));
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        GnuTar.packFolder(export, inbox.resolve("export.tar.gz"));

        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        Path logs = ChildProgram.projectRoot().resolve("gpu-worker/target/e2e-logs");
        try (EmbeddedS3 s3 = EmbeddedS3.temporary(); ObjectStore store = new ObjectStore(TestServers.s3Config(s3, BUCKET));
             UnifiedJedis redis = TestServers.redis(); Database db = TestServers.freshDatabase()) {
            store.createBucketIfMissing();
            TestServers.flushRedis(redis);
            // what the unit's env file holds, and nothing else
            Map<String, String> env = pipelineEnv(s3, "e2e-systemd", scratch, inbox);
            if (!lcAll.isEmpty()) {
                env.put("LC_ALL", lcAll);
            }
            try (ChildProgram unpack = ChildProgram.startLikeSystemd("unpack-worker", env, logs);
                 ChildProgram gpu = ChildProgram.startLikeSystemd("gpu-worker", env, logs)) {
                ChildProgram transfer = ChildProgram.startLikeSystemd("transfer-worker", env, logs, "--once");
                assertThat(transfer.waitFor(120)).as("transfer-worker --once; log %s", transfer.logFile()).isZero();
                BatchRepository batches = new BatchRepository(db);
                String batchId = theBatchOnceSettled(db);
                assertThat(batches.find(batchId).orElseThrow().status()).as("logs %s, %s", unpack.logFile(), gpu.logFile())
                        .isEqualTo("completed");
                BatchCounts counts = mirrored(redis, batches, batchId);
                assertThat(counts.total()).isEqualTo(6);
                assertThat(counts.processed()).as("silence and noise are processed, not failed").isEqualTo(6);
                assertThat(counts.failed()).isZero();

                Map<String, AudioFileRecord> files = new HashMap<>();
                for (AudioFileRecord f : new AudioFileRepository(db).byBatch(batchId)) {
                    files.put(f.originalFilename(), f);
                }
                assertThat(files.keySet()).containsExactlyInAnyOrder("Réunion/café numéro un.mp3", "Grüße/Straße.mp3", "中文/你好.mp3",
                        "🎙/memo 🎉.mp3", "voicemail/silence.wav", "voicemail/noise.flac");
                assertThat(files.get("voicemail/silence.wav").noSpeech()).isTrue();
                assertThat(files.get("voicemail/noise.flac").noSpeech()).isTrue();
                assertThat(files.get("Grüße/Straße.mp3").noSpeech()).isFalse();
                for (AudioFileRecord f : files.values()) {
                    assertThat(f.status()).isEqualTo("completed");
                    assertThat(new TranscriptRepository(db).find(f.audioId())).isPresent();
                }
                // each name keeps its own recording: the meeting sentence is heard under the Chinese name (the CPU engine adapts
                // its normalisation as it hears, so which of its words come out exactly depends a little on what came before)
                assertThat(new TranscriptRepository(db).find(files.get("中文/你好.mp3").audioId()).orElseThrow().text())
                        .containsAnyOf("meeting", "tomorrow", "morning");
                assertThat(unpack.terminate(60)).isZero();
                assertThat(gpu.terminate(60)).isZero();
            }
        }
    }

    /**
     * Real speech, read by a person, through the whole pipeline (WAV → the unpack worker's Opus → the CPU
     * engine): the word error rate against the reference transcripts stays at most 0.30.
     */
    @Test
    void realSpeechThroughThePipelineIsRecognisedWithAWordErrorRateOfAtMostThirtyPercent() throws Exception {
        Map<String, String> references = new LinkedHashMap<>();
        LibriVox.references().forEach((name, text) -> references.put("librivox/" + name, text));
        // packed as a user packs a folder: GNU tar of the directory of recordings
        Path export = LibriVox.copyTo(tmp.resolve("export/librivox"));
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        GnuTar.packFolder(export.getParent(), inbox.resolve("librivox.tar.gz"), "librivox");
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        Path logs = ChildProgram.projectRoot().resolve("gpu-worker/target/e2e-logs");
        try (EmbeddedS3 s3 = EmbeddedS3.temporary(); ObjectStore store = new ObjectStore(TestServers.s3Config(s3, BUCKET));
             UnifiedJedis redis = TestServers.redis(); Database db = TestServers.freshDatabase()) {
            store.createBucketIfMissing();
            TestServers.flushRedis(redis);
            Map<String, String> env = pipelineEnv(s3, "e2e-wer", scratch, inbox);
            try (ChildProgram unpack = ChildProgram.start("unpack-worker", env, logs);
                 ChildProgram gpu = ChildProgram.start("gpu-worker", env, logs)) {
                assertThat(ChildProgram.start("transfer-worker", env, logs, "--once").waitFor(120)).isZero();
                BatchRepository batches = new BatchRepository(db);
                String batchId = theBatchOnceSettled(db);
                WordErrorRate wer = new WordErrorRate();
                List<AudioFileRecord> files = new AudioFileRepository(db).byBatch(batchId);
                assertThat(files).extracting(AudioFileRecord::originalFilename).containsExactlyInAnyOrderElementsOf(references.keySet());
                for (AudioFileRecord file : files) {
                    String text = new TranscriptRepository(db).find(file.audioId()).orElseThrow().text();
                    wer.add(references.get(file.originalFilename()), text);
                    System.out.printf("WER: %s%n  reference:  %s%n  recognised: %s%n", file.originalFilename(),
                            references.get(file.originalFilename()), text);
                }
                System.out.printf(Locale.ROOT, "END-TO-END WER: %.3f over %d reference words (LibriVox, pocketsphinx-testdata)%n",
                        wer.rate(), wer.referenceWords());
                assertThat(wer.rate()).as("word error rate through the pipeline").isLessThanOrEqualTo(0.30);
            }
        }
    }

    /** Waits until the one batch of the run exists and no batch is open any more; returns its id. */
    /** The batch keys once they mirror the completed row (they are written right after the commit that completed it). */
    private static BatchCounts mirrored(UnifiedJedis redis, BatchRepository batches, String batchId) throws Exception {
        BatchRecord row = batches.find(batchId).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> new BatchTracker(redis).counts(batchId).processed() == row.processedFiles()
                && new BatchTracker(redis).counts(batchId).failed() == row.failedFiles());
        return new BatchTracker(redis).counts(batchId);
    }

    private static String theBatchOnceSettled(Database db) throws Exception {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() ->
                new BatchRepository(db).active().isEmpty() && !batchIds(db).isEmpty());
        return batchIds(db).get(0);
    }

    /** The three workers' environment: the test servers, this node's scratch and staging, the inbox, the CPU engine. */
    private Map<String, String> pipelineEnv(EmbeddedS3 s3, String node, Path scratch, Path inbox) {
        return LocalPipeline.env(TestServers.envWith(s3, BUCKET), node, scratch, tmp.resolve("staging"), inbox);
    }

    private static void ffmpeg(String source, String seconds, Path target) throws Exception {
        Process p = new ProcessBuilder("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, "-t", seconds,
                "-ar", "16000", "-ac", "1", target.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    private static List<String> batchIds(Database db) throws Exception {
        return db.withHandle(h -> h.createQuery("SELECT batch_id FROM batches ORDER BY created_at").mapTo(String.class).list());
    }
}
