package io.audiopipeline.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.label.Policy;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.ArchiveBuilder;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.EmbeddedS3;
import io.audiopipeline.sandbox.LocalPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * Labels end to end, as operators run them: real worker processes, real spoken recordings transcribed by
 * the CPU engine, the lexicon labeller on a policy in POLICIES_DIR. Exactly the recordings whose transcript
 * meets the policy are labelled 1, each once, through a kill -9 of the GPU worker in the middle of the
 * batch; an edited policy is a new version, and {@code pipeline relabel} labels every transcript under it
 * with no transcription running, leaving the old version's labels as they were.
 */
class LabellingEndToEndIT {
    private static final String BUCKET = "labels-e2e";
    private static final Map<String, String> SPOKEN = new LinkedHashMap<>();

    static {
        SPOKEN.put("numbers.mp3", "four five six seven eight nine");
        SPOKEN.put("meeting.mp3", "the meeting starts at nine thirty tomorrow morning");
        SPOKEN.put("voicemail.mp3", "please call me back at seven");
        SPOKEN.put("refund.mp3", "i want my money back today");
        SPOKEN.put("thanks.mp3", "thank you very much");
        SPOKEN.put("weather.mp3", "it will rain in the afternoon");
    }

    private static final String POLICY_V1 = "Overview\n========\n\nTalk of money back or of tomorrow.\n\nLEXICON\n=======\n\nmoney back\ntomorrow\n";
    private static final String POLICY_V2 = POLICY_V1 + "/seven|eight/\n";

    @TempDir
    Path tmp;

    @Test
    void matchingRecordingsAreLabelledOnceThroughAKilledGpuWorkerAndAnEditedPolicyIsRelabelledWithoutTranscribing() throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        Path policies = Files.createDirectories(tmp.resolve("policies"));
        Path policyFile = Files.writeString(policies.resolve("callbacks.txt"), POLICY_V1);
        Path logs = ChildProgram.projectRoot().resolve("gpu-worker/target/labels-e2e-logs");
        ArchiveBuilder archive = new ArchiveBuilder();
        for (Map.Entry<String, String> e : SPOKEN.entrySet()) {
            Path wav = AudioFixtures.speech(e.getValue(), tmp.resolve(e.getKey() + ".wav"));
            archive.file("calls/" + e.getKey(), AudioFixtures.encode(wav, tmp.resolve(e.getKey())));
        }
        archive.writeTarGz(inbox.resolve("calls-labels.tar.gz"));

        try (EmbeddedS3 s3 = EmbeddedS3.temporary(); ObjectStore store = new ObjectStore(TestServers.s3Config(s3, BUCKET));
             UnifiedJedis redis = TestServers.redis(); Database db = TestServers.freshDatabase()) {
            store.createBucketIfMissing();
            TestServers.flushRedis(redis);
            Map<String, String> servers = TestServers.envWith(s3, BUCKET);
            Map<String, String> env = LocalPipeline.env(servers, "labels-node", scratch, tmp.resolve("staging"), inbox);
            env.put("LABELER", "lexicon");
            env.put("POLICIES_DIR", policies.toString());
            env.put("VISIBILITY_TIMEOUT", "5s");
            env.put("WORKER_CONCURRENCY", "1");

            String batchId;
            try (ChildProgram unpack = ChildProgram.start("unpack-worker", env, logs)) {
                ChildProgram first = ChildProgram.start("gpu-worker", env, logs);
                ChildProgram transfer = ChildProgram.start("transfer-worker", env, logs, "--once");
                assertThat(transfer.waitFor(120)).as("transfer-worker --once; log %s", transfer.logFile()).isZero();
                // kill -9 once the first recordings are labelled, while the rest of the batch is still to do
                await().atMost(Duration.ofMinutes(2)).until(() -> labelRows(db) >= 1);
                first.kill();
                long labelledBeforeKill = labelRows(db);
                assertThat(labelledBeforeKill).as("killed in the middle of the batch").isLessThan(SPOKEN.size());
                try (ChildProgram second = ChildProgram.start("gpu-worker", env, logs)) {
                    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                            .until(() -> !batchIds(db).isEmpty() && new BatchRepository(db).active().isEmpty());
                    batchId = batchIds(db).get(0);
                    List<AudioFileRecord> files = new AudioFileRepository(db).byBatch(batchId);
                    assertThat(files).hasSize(SPOKEN.size()).allMatch(AudioFileRecord::completed);

                    Policy v1 = Policy.of("callbacks", POLICY_V1);
                    Map<String, Integer> v1Labels = assertLabelledAsTheirTranscriptsSay(db, files, v1, List.of("money back", "tomorrow"));
                    assertThat(v1Labels.values()).as("the policy flags some recordings and not others").contains(0, 1);
                    System.out.printf(Locale.ROOT, "LABELS END-TO-END: %d recordings, %d labelled 1 under v1 (%s), through a kill -9 after %d%n",
                            files.size(), v1Labels.values().stream().filter(l -> l == 1).count(), v1Labels, labelledBeforeKill);

                    // the policy is edited: a new version; relabel labels every transcript under it, transcribing nothing
                    Files.writeString(policyFile, POLICY_V2);
                    String transcriptsBefore = transcriptsSnapshot(db);
                    String transcribedBefore = transcribedLines(second);
                    Map<String, String> cli = new HashMap<>(servers);
                    cli.put("POLICIES_DIR", policies.toString());
                    ChildProgram relabel = ChildProgram.start("pipeline", cli, logs, "relabel", "--policy", "callbacks", "--batch", batchId);
                    assertThat(relabel.waitFor(180)).as("pipeline relabel; output:%n%s", relabel.logTail(20)).isZero();
                    assertThat(relabel.output()).contains(SPOKEN.size() + " transcript(s) labelled under callbacks");

                    Policy v2 = Policy.of("callbacks", POLICY_V2);
                    Map<String, Integer> v2Labels = assertLabelledAsTheirTranscriptsSay(db, files, v2, List.of("money back", "tomorrow", "seven", "eight"));
                    assertThat(assertLabelledAsTheirTranscriptsSay(db, files, v1, List.of("money back", "tomorrow")))
                            .as("labels made under the first version stay as they were").isEqualTo(v1Labels);
                    assertThat(transcriptsSnapshot(db)).as("no transcript written again").isEqualTo(transcriptsBefore);
                    assertThat(transcribedLines(second)).as("no transcription ran").isEqualTo(transcribedBefore);
                    System.out.printf(Locale.ROOT, "LABELS END-TO-END: relabel under v2: %s; %d label rows, labelling time per request "
                            + "mean %.1f ms, max %.1f ms%n", v2Labels, labelRows(db), 1000 * labellingSeconds(db, "avg"),
                            1000 * labellingSeconds(db, "max"));

                    ChildProgram batchView = ChildProgram.start("pipeline", cli, logs, "batch", batchId);
                    assertThat(batchView.waitFor(60)).isZero();
                    assertThat(batchView.output()).as("pipeline batch shows the counts per policy version")
                            .contains(String.format("1: %d  0: %d  failed: 0", count(v1Labels, 1), count(v1Labels, 0)))
                            .contains(String.format("1: %d  0: %d  failed: 0", count(v2Labels, 1), count(v2Labels, 0)))
                            .contains(v1.shortVersion()).contains(v2.shortVersion());
                    ChildProgram json = ChildProgram.start("pipeline", cli, logs, "transcripts", batchId, "--format", "json");
                    assertThat(json.waitFor(60)).isZero();
                    assertThat(json.output()).contains("\"policy\":\"callbacks\"", "\"policy_version\":\"" + v2.sha256() + "\"",
                            "\"model\":\"lexicon-v1\"");

                    ChildProgram again = ChildProgram.start("pipeline", cli, logs, "relabel", "--policy", "callbacks", "--batch", batchId);
                    assertThat(again.waitFor(60)).isZero();
                    assertThat(again.output()).as("each (transcript, policy version) is labelled once").contains("0 transcript(s) to label");

                    ChildProgram flagged = ChildProgram.start("pipeline", cli, logs, "labels", "--policy", "callbacks", "--batch", batchId);
                    assertThat(flagged.waitFor(60)).isZero();
                    for (AudioFileRecord f : files) {
                        boolean any = v1Labels.get(f.originalFilename()) == 1 || v2Labels.get(f.originalFilename()) == 1;
                        assertThat(flagged.output().contains(f.audioId().toString())).as("%s listed as flagged", f.originalFilename()).isEqualTo(any);
                    }
                    assertThat(second.terminate(60)).isZero();
                }
            }
        }
    }

    /**
     * Every recording has exactly one label under {@code policy}, and it is 1 exactly when its stored
     * transcript holds one of {@code terms} (as words, ignoring case). Returns the labels by file name.
     */
    private static Map<String, Integer> assertLabelledAsTheirTranscriptsSay(Database db, List<AudioFileRecord> files, Policy policy, List<String> terms)
            throws Exception {
        LabelRepository labels = new LabelRepository(db);
        Map<String, Integer> byName = new LinkedHashMap<>();
        for (AudioFileRecord f : files) {
            String text = new TranscriptRepository(db).find(f.audioId()).orElseThrow().text();
            boolean meets = terms.stream().anyMatch(t -> Pattern.compile("\\b" + t.replace(" ", "\\s+") + "\\b", Pattern.CASE_INSENSITIVE)
                    .matcher(text).find());
            List<LabelRepository.Label> rows = labels.forRecording(f.audioId()).stream()
                    .filter(l -> l.policySha256().equals(policy.sha256())).toList();
            assertThat(rows).as("labels of %s ('%s') under %s", f.originalFilename(), text, policy.shortVersion()).hasSize(1);
            assertThat(rows.get(0).status()).isEqualTo("labelled");
            assertThat(rows.get(0).label()).as("label of '%s'", text).isEqualTo(meets ? 1 : 0);
            byName.put(f.originalFilename(), rows.get(0).label());
        }
        return byName;
    }

    private static long count(Map<String, Integer> labels, int label) {
        return labels.values().stream().filter(l -> l == label).count();
    }

    private static double labellingSeconds(Database db, String aggregate) throws Exception {
        return db.withHandle(h -> h.createQuery("SELECT " + aggregate + "(labelling_seconds) FROM transcript_labels").mapTo(Double.class).one());
    }

    private static long labelRows(Database db) throws Exception {
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM transcript_labels").mapTo(Long.class).one());
    }

    private static String transcriptsSnapshot(Database db) throws Exception {
        return db.withHandle(h -> h.createQuery("SELECT string_agg(audio_id || ':' || created_at || ':' || processing_seconds, ',' ORDER BY audio_id) "
                + "FROM transcripts").mapTo(String.class).one());
    }

    private static String transcribedLines(ChildProgram gpu) throws Exception {
        return gpu.output().lines().filter(l -> l.contains(" transcribed ")).toList().toString();
    }

    private static List<String> batchIds(Database db) throws Exception {
        return db.withHandle(h -> h.createQuery("SELECT batch_id FROM batches ORDER BY created_at").mapTo(String.class).list());
    }
}
