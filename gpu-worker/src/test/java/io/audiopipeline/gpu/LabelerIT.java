package io.audiopipeline.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.db.TranscriptRecord;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.LabelJob;
import io.audiopipeline.common.worker.PermanentJobException;
import io.audiopipeline.common.label.Policy;
import io.audiopipeline.common.label.PolicyDirectory;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.ChildProgram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The labeller against real PostgreSQL and a real labeller bridge process (the lexicon engine): a label
 * stored once per (recording, policy version, model); a bridge killed in the middle of a request is
 * started again and the request retried, with one row; a failure that cannot succeed is recorded with
 * its reason and the transcript stands.
 */
class LabelerIT {
    private static final String POLICY = "Overview\n========\n\nRefund requests.\n\nLEXICON\n=======\n\nrefund\nmoney back\n";

    @TempDir
    Path tmp;

    private Database db;
    private LabelerBridge bridge;

    @BeforeEach
    void database() throws Exception {
        db = TestServers.freshDatabase();
    }

    @AfterEach
    void close() {
        if (bridge != null) {
            bridge.close();
        }
        db.close();
    }

    @Test
    void aTranscriptIsLabelledOncePerPolicyVersionAndModelWithItsEvidence() throws Exception {
        TranscriptLabeler labeler = labeler(ChildProgram.projectRoot().resolve("gpu-worker/bridge"), 3);
        UUID flagged = transcript("a.opus", "i would like a refund for the order");
        UUID clean = transcript("b.opus", "see you tomorrow morning");
        Policy policy = Policy.of("refunds", POLICY);

        labeler.label(flagged, "i would like a refund for the order", policy);
        labeler.label(clean, "see you tomorrow morning", policy);
        labeler.label(flagged, "i would like a refund for the order", policy);

        List<LabelRepository.Label> rows = new LabelRepository(db).forRecording(flagged);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).label()).isEqualTo(1);
        assertThat(rows.get(0).model()).isEqualTo("lexicon-v1");
        assertThat(rows.get(0).policySha256()).isEqualTo(policy.sha256());
        assertThat(rows.get(0).evidenceJson()).contains("\"text\": \"refund\"", "\"start\": 15");
        assertThat(new LabelRepository(db).forRecording(clean)).extracting(LabelRepository.Label::label).containsExactly(0);
        assertThat(new LabelRepository(db).policy(policy.sha256())).contains(policy);
    }

    @Test
    void aBridgeKilledInTheMiddleOfARequestIsStartedAgainAndTheLabelIsStoredOnce() throws Exception {
        Path dir = slowBridgeDir();
        TranscriptLabeler labeler = labeler(dir, 3);
        UUID audio = transcript("a.opus", "money back please");
        Long firstPid = bridge.pid();
        Thread killer = new Thread(() -> {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("started.marker")));
            ProcessHandle.of(firstPid).ifPresent(ProcessHandle::destroyForcibly);
        });
        killer.start();

        labeler.label(audio, "money back please", Policy.of("refunds", POLICY));
        killer.join();

        assertThat(bridge.pid()).as("a new bridge process").isNotNull().isNotEqualTo(firstPid);
        List<LabelRepository.Label> rows = new LabelRepository(db).forRecording(audio);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).status()).isEqualTo("labelled");
        assertThat(rows.get(0).label()).isEqualTo(1);
    }

    @Test
    void aPolicyTheEngineCannotEvaluateIsRecordedAsAFailureWithItsReasonAndALaterSuccessReplacesIt() throws Exception {
        TranscriptLabeler labeler = labeler(ChildProgram.projectRoot().resolve("gpu-worker/bridge"), 3);
        UUID audio = transcript("a.opus", "a refund");
        Policy noLexicon = Policy.of("vague", "Overview\n========\n\nAnything bad.\n");

        labeler.label(audio, "a refund", noLexicon);

        LabelRepository.Label failed = new LabelRepository(db).forRecording(audio).get(0);
        assertThat(failed.status()).isEqualTo("failed");
        assertThat(failed.label()).isNull();
        assertThat(failed.error()).contains("no LEXICON section");
        assertThat(new TranscriptRepository(db).find(audio)).as("the transcript stands").isPresent();

        new LabelRepository(db).saveLabel(audio, noLexicon.sha256(), "lexicon-v1", 1, 1.0, "[]", 1, 0.1);
        assertThat(new LabelRepository(db).forRecording(audio)).extracting(LabelRepository.Label::status).containsExactly("labelled");
        new LabelRepository(db).saveFailure(audio, noLexicon.sha256(), "lexicon-v1", "later failure");
        assertThat(new LabelRepository(db).forRecording(audio)).extracting(LabelRepository.Label::status)
                .as("a failure never replaces a label").containsExactly("labelled");
    }

    @Test
    void aLabellingJobNamingAnotherBatchsRecordingOrAnUnknownPolicyIsRefusedAndTouchesNothing() throws Exception {
        TranscriptLabeler labeler = labeler(ChildProgram.projectRoot().resolve("gpu-worker/bridge"), 3);
        UUID audio = transcript("a.opus", "a refund");
        String otherBatch = BatchId.next(Clock.systemUTC());
        new BatchRepository(db).insertIfAbsent(otherBatch, "archives/" + otherBatch + ".tar", "y.tar", null, null, Instant.now());
        Policy policy = Policy.of("refunds", POLICY);
        LabelRepository labels = new LabelRepository(db);
        labels.recordPolicy(policy);
        LabelHandler handler = new LabelHandler(new AudioFileRepository(db), new TranscriptRepository(db), labels, labeler);

        assertThatThrownBy(() -> handler.handle(new LabelJob(otherBatch, audio.toString(), policy.sha256()), 1))
                .isInstanceOf(PermanentJobException.class).hasMessageContaining("is not a recording of batch " + otherBatch);
        assertThatThrownBy(() -> handler.handle(new LabelJob(batchOf(audio), audio.toString(), "0".repeat(64)), 1))
                .isInstanceOf(PermanentJobException.class).hasMessageContaining("is not recorded");
        assertThat(labels.forRecording(audio)).isEmpty();

        handler.handle(new LabelJob(batchOf(audio), audio.toString(), policy.sha256()), 1);
        assertThat(labels.forRecording(audio)).extracting(LabelRepository.Label::label).containsExactly(1);
    }

    private String batchOf(UUID audio) throws Exception {
        return new AudioFileRepository(db).find(audio).orElseThrow().batchId();
    }

    private TranscriptLabeler labeler(Path bridgeDir, int attempts) throws Exception {
        LabelerConfig config = new LabelerConfig(LabelerConfig.Engine.LEXICON, new PolicyDirectory(null), "cpu", "/usr/bin/python3",
                bridgeDir, tmp, "unused", "unused", 8192, Duration.ofSeconds(20), attempts, Duration.ofSeconds(30));
        GpuMetrics metrics = new GpuMetrics(new PrometheusRegistry());
        bridge = new LabelerBridge(config, new JobCodec().mapper(), metrics);
        bridge.start();
        return new TranscriptLabeler(config.policies(), bridge, new LabelRepository(db), metrics, attempts);
    }

    /** The real bridge files under real/, and a lexicon bridge whose first request hangs until it is killed. */
    private Path slowBridgeDir() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("slow-labeller"));
        Path real = Files.createDirectories(dir.resolve("real"));
        Path bridges = ChildProgram.projectRoot().resolve("gpu-worker/bridge");
        for (String f : List.of("bridge_protocol.py", "lexicon_bridge.py")) {
            Files.copy(bridges.resolve(f), real.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        try (InputStream in = LabelerIT.class.getResourceAsStream("/slow-labeller/lexicon_bridge.py")) {
            Files.copy(in, dir.resolve("lexicon_bridge.py"), StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }

    private UUID transcript(String name, String text) throws Exception {
        String batchId = BatchId.next(Clock.systemUTC());
        new BatchRepository(db).insertIfAbsent(batchId, "archives/" + batchId + ".tar", "x.tar", null, null, Instant.now());
        AudioFileRecord row = new AudioFileRepository(db).register(batchId, name);
        new TranscriptRepository(db).save(new TranscriptRecord(row.audioId(), "en", text, "[]", "test", "1", "test", 1.0, 0.1, 0.1));
        return row.audioId();
    }
}
