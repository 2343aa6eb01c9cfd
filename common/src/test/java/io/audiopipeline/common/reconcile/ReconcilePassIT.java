package io.audiopipeline.common.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchKeys;
import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.batch.BatchRecovery;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.batch.LegacyHandOff;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.queue.DeadLetterStore;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.testing.TestLedger;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.common.worker.WorkerStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

/** One reconciliation against real Redis and PostgreSQL: what it repairs, and what it leaves alone. */
class ReconcilePassIT {
    private static final String NODE = "rec-node";
    private UnifiedJedis redis;
    private Database db;
    private ReconcilePass pass;
    private final JobCodec codec = new JobCodec();
    private final QueueKeys queue = QueueKeys.transcribe(NODE);

    @BeforeEach
    void open() throws Exception {
        redis = TestServers.redis();
        TestServers.flushRedis(redis);
        db = TestServers.freshDatabase();
        EventLog events = new EventLog(db, "reconcile-it");
        BatchLedger ledger = TestLedger.of(db, redis);
        JobPublisher publisher = new JobPublisher(redis, Duration.ofDays(1));
        pass = new ReconcilePass(db, redis, codec, ledger, new BatchTracker(redis),
                new LegacyHandOff(new BatchRepository(db), publisher, codec, ledger), publisher,
                new BatchRecovery(new BatchRepository(db), null, publisher, codec, events, Clock.systemUTC()),
                new Repairs(new PrometheusRegistry(), events), Duration.ofDays(1), Duration.ofMinutes(10));
    }

    @AfterEach
    void close() {
        redis.close();
        db.close();
    }

    /** A batch handed off a minute ago with three pending files on {@link #NODE}. */
    private String handedOff() throws Exception {
        String batch = BatchId.next(Clock.systemUTC());
        List<BatchLedger.FileEntry> files = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            files.add(new BatchLedger.FileEntry("f" + i + ".mp3", "/scratch/" + batch + "/opus/" + i + ".opus", null, 1.0, null));
        }
        TestLedger.handOff(db, redis, batch, NODE, files);
        db.withHandle(h -> h.execute("UPDATE batches SET handed_off_at = now() - interval '1 minute', created_at = now() - interval '2 minutes'"));
        return batch;
    }

    private String job(String batch, int i) {
        return codec.encode(new TranscriptionJob(batch, "/scratch/" + batch + "/opus/" + i + ".opus", "f" + i + ".mp3", null, 1.0));
    }

    private List<String> namesQueued() throws Exception {
        List<String> names = new ArrayList<>();
        for (String raw : redis.lrange(queue.main(), 0, -1)) {
            names.add(codec.decode(raw, TranscriptionJob.class).originalFilename());
        }
        return names;
    }

    @Test
    void aPendingFileWhoseJobIsNowhereIsPublishedAgainOnceAndNothingQueuedOrHeldIsPublishedTwice() throws Exception {
        String batch = handedOff();
        redis.lpush(queue.main(), job(batch, 0));                       // f0: waiting on the queue
        WorkerStatus worker = new WorkerStatus("w-live", NODE, "gpu", Clock.systemUTC());
        worker.begin(job(batch, 1));                                    // f1: held by a live worker whose lists Redis lost
        redis.set(queue.heartbeat("w-live"), worker.toJson(codec.mapper()));
        db.withHandle(h -> h.execute("UPDATE audio_files SET status = 'transcribing', claimed_by = 'w-live' WHERE original_filename = 'f1.mp3'"));
        // f2: nowhere

        pass.run(false, Instant.now());
        assertThat(namesQueued()).containsExactlyInAnyOrder("f0.mp3", "f2.mp3");
        pass.run(false, Instant.now());
        assertThat(namesQueued()).as("a job published again is queued now: not published a second time").containsExactlyInAnyOrder("f0.mp3", "f2.mp3");

        redis.del(queue.heartbeat("w-live"));                           // the worker holding f1 died with Redis's lists
        pass.run(false, Instant.now());
        assertThat(namesQueued()).containsExactlyInAnyOrder("f0.mp3", "f1.mp3", "f2.mp3");
        long repairs = db.withHandle(h -> h.createQuery("SELECT count(*) FROM pipeline_events WHERE event = 'reconciler_job_republished'")
                .mapTo(Long.class).one());
        assertThat(repairs).as("each repair recorded").isEqualTo(2);
    }

    @Test
    void aBatchHandedOffMomentsAgoIsLeftToItsProducer() throws Exception {
        handedOff();
        db.withHandle(h -> h.execute("UPDATE batches SET handed_off_at = now()"));
        pass.run(false, Instant.now());
        assertThat(namesQueued()).as("the hand-off is still publishing: nothing published over it").isEmpty();
    }

    @Test
    void aLostUnpackJobIsQueuedAgainOnce() throws Exception {
        String batch = BatchId.next(Clock.systemUTC());
        new BatchRepository(db).insertIfAbsent(batch, "archives/" + batch + ".tar", "calls.tar", null, 10L, Instant.now());
        db.withHandle(h -> h.execute("UPDATE batches SET created_at = now() - interval '1 minute'"));
        pass.run(false, Instant.now());
        pass.run(false, Instant.now());
        List<String> jobs = redis.lrange(QueueKeys.unpack().main(), 0, -1);
        assertThat(jobs).hasSize(1);
        assertThat(codec.mapper().readTree(jobs.get(0)).path("s3_key").asText()).isEqualTo("archives/" + batch + ".tar");
    }

    @Test
    void batchKeysThatDifferAreRewrittenAndLostDeadLettersPutBack() throws Exception {
        String batch = handedOff();
        redis.del(new BatchKeys(batch).total());
        redis.set(new BatchKeys(batch).processed(), "99");
        DeadLetter dead = DeadLetter.of(queue.name(), job(batch, 2), "corrupt", 5, "w", Instant.now());
        new DeadLetterStore(db).record(dead);
        pass.run(true, Instant.now());
        assertThat(new BatchTracker(redis).agrees(new BatchCounts(batch, 3L, 0, 0, "archives/" + batch + ".tar", NODE, false))).isTrue();
        assertThat(redis.lrange(queue.dead(), 0, -1)).hasSize(1).first().asString().contains(dead.id());
        pass.run(true, Instant.now());
        assertThat(redis.llen(queue.dead())).as("put back once").isEqualTo(1);
    }

    @Test
    void theBatchesOfANodeWithoutLiveWorkersAreRecoveredFromTheirArchivesOnAnyNode() throws Exception {
        try (io.audiopipeline.sandbox.EmbeddedS3 s3 = io.audiopipeline.sandbox.EmbeddedS3.temporary();
             io.audiopipeline.common.storage.ObjectStore store = new io.audiopipeline.common.storage.ObjectStore(TestServers.s3Config(s3, "rec"))) {
            store.createBucketIfMissing();
            String batch = handedOff();
            redis.lpush(queue.main(), job(batch, 0), job(batch, 1), job(batch, 2)); // waiting for a node whose GPU workers are gone
            java.nio.file.Path archive = java.nio.file.Files.createTempFile("archive", ".tar");
            store.upload(archive, "archives/" + batch + ".tar", io.audiopipeline.common.storage.TransferProgress.NONE);
            EventLog events = new EventLog(db, "reconcile-it");
            BatchLedger ledger = TestLedger.of(db, redis);
            JobPublisher publisher = new JobPublisher(redis, Duration.ofDays(1));
            ReconcilePass lost = new ReconcilePass(db, redis, codec, ledger, new BatchTracker(redis),
                    new LegacyHandOff(new BatchRepository(db), publisher, codec, ledger), publisher,
                    new BatchRecovery(new BatchRepository(db), store, publisher, codec, events, Clock.systemUTC()),
                    new Repairs(new PrometheusRegistry(), events), Duration.ofDays(1), Duration.ofSeconds(2));
            lost.run(false, Instant.now());
            assertThat(redis.llen(QueueKeys.unpack().main())).as("not before RECONCILE_NODE_LOST_AFTER").isZero();
            lost.run(false, Instant.now().plusSeconds(3));
            assertThat(redis.llen(queue.main())).as("the stale jobs dropped from the lost node's queue").isZero();
            List<String> unpack = redis.lrange(QueueKeys.unpack().main(), 0, -1);
            assertThat(unpack).hasSize(1);
            assertThat(codec.mapper().readTree(unpack.get(0)).path("batch_id").asText()).isEqualTo(batch);
            long recovered = db.withHandle(h -> h.createQuery("SELECT count(*) FROM pipeline_events WHERE event = 'reconciler_batch_recovered'")
                    .mapTo(Long.class).one());
            assertThat(recovered).isEqualTo(1);
        }
    }

    @Test
    void aBatchWhoseFilesWereAllSettledWithoutBeingCountedCompletesOnce() throws Exception {
        String batch = handedOff();
        // an earlier release settled the files' rows but kept the counts in Redis only
        db.withHandle(h -> h.execute("UPDATE audio_files SET status = 'completed'"));
        pass.run(false, Instant.now());
        pass.run(false, Instant.now());
        BatchCounts counts = TestLedger.of(db, redis).counts(batch).orElseThrow();
        assertThat(counts.completed()).isTrue();
        assertThat(counts.processed()).isEqualTo(3);
        long completions = db.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE type = 'batch.completed'").mapTo(Long.class).one());
        assertThat(completions).isEqualTo(1);
        assertThat(namesQueued()).as("nothing settled is published").isEmpty();
    }
}
