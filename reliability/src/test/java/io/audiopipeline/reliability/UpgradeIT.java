package io.audiopipeline.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.queue.RedisConnector;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.EmbeddedRedis;
import io.audiopipeline.sandbox.EmbeddedS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * An upgrade in flight: the release before PostgreSQL became the record (built from its own commit) hands a
 * 12-recording batch off and transcribes part of it (no pending rows; its counts in Redis only), with jobs
 * still queued; then this release's workers take over and complete it exactly once.
 */
class UpgradeIT {
    /** The last commit of the release whose hand-off kept its counts in Redis only. */
    static final String PREVIOUS_RELEASE = "e53ad121824eb3a542d8db8546195f1c064677fe";
    private static final String NODE = "upgrade-node";
    private static final String BUCKET = "upgrade";
    private static final int FILES = 12;

    @TempDir
    Path tmp;

    @Test
    void aBatchHandedOffByThePreviousReleaseCompletesExactlyOnceUnderThisOne() throws Exception {
        Path previous = previousRelease();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path logs = Files.createDirectories(ChildProgram.projectRoot().resolve("reliability/target/upgrade-logs"));
        try (EmbeddedRedis redisServer = new EmbeddedRedis(Files.createDirectories(tmp.resolve("redis")));
             EmbeddedS3 s3 = EmbeddedS3.temporary();
             ObjectStore store = new ObjectStore(TestServers.s3Config(s3, BUCKET));
             Database db = TestServers.freshDatabase()) {
            store.createBucketIfMissing();
            BatchWatch watch = new BatchWatch(db);
            Map<String, String> env = BatchWatch.nodeEnv(tmp, NODE, redisServer, s3, BUCKET, inbox);
            List<ChildProgram> all = new ArrayList<>();
            try {
                List<ChildProgram> old = new ArrayList<>();
                for (String program : List.of("transfer-worker", "unpack-worker", "gpu-worker")) {
                    old.add(ChildProgram.start(previous, program, env, false, logs));
                }
                all.addAll(old);
                Files.copy(BatchWatch.archive(tmp, FILES), inbox.resolve("calls.tar.gz"));
                String batchId = watch.awaitBatch();
                watch.awaitTranscripts(batchId, 4);
                // the GPU worker first (the units are restarted one by one): its current jobs finish, the rest stay queued
                for (ChildProgram p : List.of(old.get(2), old.get(1), old.get(0))) {
                    assertThat(p.terminate(120)).as("the previous release stops cleanly").isZero();
                }
                long byPrevious = watch.transcripts(batchId);
                long pendingRows = watch.count("SELECT count(*) FROM audio_files WHERE batch_id = :b AND status = 'pending'", batchId);
                String waiting;
                try (UnifiedJedis redis = RedisConnector.connect(RedisConfig.from(new Env(Map.of("REDIS_URL", redisServer.url()))), 2)) {
                    waiting = redis.llen(QueueKeys.transcribe(NODE).main()) + " jobs queued, Redis counts " + new BatchTracker(redis).counts(batchId);
                }
                assertThat(pendingRows).as("the previous release wrote no pending rows at its hand-off").isZero();
                System.out.println("UPGRADE: the previous release transcribed " + byPrevious + " of " + FILES + "; " + waiting);

                List<ChildProgram> current = new ArrayList<>();
                for (String program : List.of("transfer-worker", "unpack-worker", "gpu-worker")) {
                    current.add(ChildProgram.start(program, env, logs));
                }
                all.addAll(current);
                BatchRecord done = watch.awaitCompleted(batchId, Instant.now().plus(Duration.ofMinutes(3)));
                assertThat(done.status()).isEqualTo("completed");
                assertThat(done.totalFiles()).isEqualTo(FILES);
                assertThat(done.processedFiles()).isEqualTo(FILES);
                assertThat(done.failedFiles()).isZero();
                assertThat(watch.transcripts(batchId)).isEqualTo(FILES);
                assertThat(watch.count("SELECT count(*) FROM outbox WHERE batch_id = :b AND type = 'batch.completed'", batchId)).isEqualTo(1);
                assertThat(watch.count("SELECT count(*) FROM pipeline_events WHERE batch_id = :b AND event = 'legacy_hand_off_adopted'", batchId))
                        .as("the old hand-off adopted once").isEqualTo(1);
                Map<String, Integer> runs = new HashMap<>();
                runs.putAll(BatchWatch.transcriptionsPerFile(old.get(2)));
                BatchWatch.transcriptionsPerFile(current.get(2)).forEach((k, v) -> runs.merge(k, v, Integer::sum));
                assertThat(runs).hasSize(FILES);
                assertThat(runs.values()).as("no recording transcribed twice across the releases: " + runs).allMatch(n -> n == 1);
                try (UnifiedJedis redis = RedisConnector.connect(RedisConfig.from(new Env(Map.of("REDIS_URL", redisServer.url()))), 2)) {
                    BatchCounts keys = new BatchTracker(redis).counts(batchId);
                    assertThat(keys.processed()).as("the batch keys mirror the row").isEqualTo(FILES);
                    assertThat(keys.total()).isEqualTo((long) FILES);
                }
                for (ChildProgram p : current) {
                    assertThat(p.terminate(120)).isZero();
                }
            } finally {
                for (ChildProgram p : all) {
                    p.close();
                }
            }
        }
    }

    /**
     * The previous release's launchers and jars, built once from its commit (git archive of this repository,
     * then Maven) into reliability/target/previous-release.
     */
    static synchronized Path previousRelease() throws Exception {
        Path root = ChildProgram.projectRoot();
        Path home = root.resolve("reliability/target/previous-release");
        if (Files.isRegularFile(home.resolve("gpu-worker/target/gpu-worker.jar")) && Files.isRegularFile(home.resolve("transfer-worker/target/transfer-worker.jar"))
                && Files.isRegularFile(home.resolve("unpack-worker/target/unpack-worker.jar"))) {
            return home;
        }
        Files.createDirectories(home);
        run(root, "bash", "-c", "git archive --format=tar " + PREVIOUS_RELEASE + " | tar -x -C '" + home + "'");
        run(home, "mvn", "-B", "-ntp", "-q", "package", "-Dmaven.test.skip=true", "-pl", "transfer-worker,unpack-worker,gpu-worker", "-am");
        return home;
    }

    private static void run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError("building the previous release (" + PREVIOUS_RELEASE + ") failed: " + String.join(" ", command) + "\n" + out);
        }
    }
}
