package io.audiopipeline.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.queue.RedisConnector;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.ChildProgram;
import io.audiopipeline.sandbox.EmbeddedRedis;
import io.audiopipeline.sandbox.EmbeddedS3;
import io.audiopipeline.common.storage.ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * A 12-recording batch through the three workers as processes, on a real redis-server that the test
 * restarts mid-batch: once with every key lost (no persistence), once from a snapshot taken 4 transcripts
 * earlier. With no operator and the default RECONCILE_INTERVAL, the batch completes by itself within 2
 * minutes of the loss: 12 transcripts, exact counts, no recording transcribed twice, one batch.completed.
 */
class RedisLossIT {
    private static final String NODE = "loss-node";
    private static final String BUCKET = "redis-loss";
    private static final int FILES = 12;
    private static final String[] WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};

    @TempDir
    Path tmp;

    @Test
    void aBatchCompletesByItselfAfterRedisLosesEveryKey() throws Exception {
        run(false);
    }

    @Test
    void aBatchCompletesByItselfAfterRedisComesBackFromASnapshotFourTranscriptsOld() throws Exception {
        run(true);
    }

    private void run(boolean fromSnapshot) throws Exception {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Path logs = Files.createDirectories(ChildProgram.projectRoot().resolve("reliability/target/redis-loss-logs/" + (fromSnapshot ? "snapshot" : "flush")));
        Path archive = BatchWatch.archive(tmp, FILES);
        try (EmbeddedRedis redisServer = new EmbeddedRedis(Files.createDirectories(tmp.resolve("redis")));
             EmbeddedS3 s3 = EmbeddedS3.temporary();
             ObjectStore store = new ObjectStore(TestServers.s3Config(s3, BUCKET));
             Database db = TestServers.freshDatabase()) {
            store.createBucketIfMissing();
            BatchWatch watch = new BatchWatch(db);
            Map<String, String> env = BatchWatch.nodeEnv(tmp, NODE, redisServer, s3, BUCKET, inbox);
            List<ChildProgram> workers = new ArrayList<>();
            try {
                for (String program : List.of("transfer-worker", "unpack-worker", "gpu-worker")) {
                    workers.add(ChildProgram.start(program, env, logs));
                }
                Files.copy(archive, inbox.resolve(archive.getFileName()));
                String batchId = watch.awaitBatch();
                Instant lossAt;
                if (fromSnapshot) {
                    watch.awaitTranscripts(batchId, 2);
                    Path snapshot = redisServer.snapshot(tmp.resolve("snapshot.rdb"));
                    long atSnapshot = watch.transcripts(batchId);
                    watch.awaitTranscripts(batchId, atSnapshot + 4);
                    log("Redis restarted from the snapshot taken at " + atSnapshot + " transcripts, now " + watch.transcripts(batchId));
                    redisServer.restartFrom(snapshot);
                } else {
                    watch.awaitTranscripts(batchId, 4);
                    log("Redis restarted with every key lost, at " + watch.transcripts(batchId) + " transcripts");
                    redisServer.restartEmpty();
                }
                lossAt = Instant.now();
                long before = watch.transcripts(batchId);
                BatchRecord done = watch.awaitCompleted(batchId, lossAt.plus(Duration.ofMinutes(2)));
                double seconds = Duration.between(lossAt, Instant.now()).toMillis() / 1000.0;

                assertThat(done.status()).as("completed within 2 minutes of the loss, by itself").isEqualTo("completed");
                assertThat(done.totalFiles()).isEqualTo(FILES);
                assertThat(done.processedFiles()).isEqualTo(FILES);
                assertThat(done.failedFiles()).isZero();
                assertThat(watch.transcripts(batchId)).isEqualTo(FILES);
                assertThat(watch.count("SELECT count(*) FROM audio_files WHERE batch_id = :b AND status = 'completed'", batchId)).isEqualTo(FILES);
                assertThat(watch.count("SELECT count(*) FROM outbox WHERE batch_id = :b AND type = 'batch.completed'", batchId)).isEqualTo(1);
                long republished = watch.count("SELECT count(*) FROM pipeline_events WHERE batch_id = :b AND event = 'reconciler_job_republished'", batchId);
                long losses = watch.count("SELECT count(*) FROM pipeline_events WHERE event = 'reconciler_redis_loss'", null);
                assertThat(losses).as("the loss was seen and recorded").isGreaterThanOrEqualTo(1);

                Map<String, Integer> runs = BatchWatch.transcriptionsPerFile(workers.get(2));
                assertThat(runs).hasSize(FILES);
                assertThat(runs.values()).as("no recording transcribed twice: " + runs).allMatch(n -> n == 1);

                try (UnifiedJedis redis = RedisConnector.connect(RedisConfig.from(new Env(Map.of("REDIS_URL", redisServer.url()))), 2)) {
                    BatchCounts keys = new BatchTracker(redis).counts(batchId);
                    assertThat(keys.total()).as("the batch keys, rewritten from the database").isEqualTo((long) FILES);
                    assertThat(keys.processed()).isEqualTo(FILES);
                    assertThat(keys.failed()).isZero();
                }
                System.out.printf("REDIS LOSS (%s): %d of %d transcripts stored at the loss; completed %.1f s after it; %d job(s) re-published "
                                + "by the reconciler; every recording transcribed once%n", fromSnapshot ? "back to a snapshot 4 transcripts old"
                                : "every key lost", before, FILES, seconds, republished);
                for (ChildProgram w : workers) {
                    assertThat(w.terminate(120)).as(w.name() + " stops cleanly").isZero();
                }
            } finally {
                for (ChildProgram w : workers) {
                    w.close();
                }
            }
        }
    }

    private static void log(String what) {
        System.out.println("[redis-loss " + Instant.now() + "] " + what);
    }
}
