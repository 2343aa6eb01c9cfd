package io.audiopipeline.common.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.testing.TestServers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

/** The ledger in PostgreSQL decides counts and completion; Redis only mirrors them. Real PostgreSQL and Redis. */
class BatchLedgerIT {
    private static UnifiedJedis redis;
    private static Database db;
    private static BatchLedger ledger;
    private static BatchTracker mirror;

    @BeforeAll
    static void connect() throws Exception {
        redis = TestServers.redis();
        db = TestServers.freshDatabase();
        ledger = BatchLedger.wire(db, redis, new EventLog(db, "ledger-it"), null, null, ArchiveRetention.KEEP, Duration.ofDays(1));
        mirror = new BatchTracker(redis);
    }

    @AfterAll
    static void close() {
        redis.close();
        db.close();
    }

    private static String batchWith(int files, int failedAtConversion) throws Exception {
        String batch = BatchId.next(Clock.systemUTC());
        new BatchRepository(db).insertIfAbsent(batch, "archives/" + batch + ".tar", "x.tar", null, null, Instant.now());
        List<BatchLedger.FileEntry> entries = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            entries.add(new BatchLedger.FileEntry("f" + i + ".mp3", "/scratch/" + batch + "/opus/" + i + ".opus", null, 1.0,
                    i < failedAtConversion ? "cannot decode" : null));
        }
        ledger.handOff(batch, "archives/" + batch + ".tar", "gpu-01", entries);
        return batch;
    }

    private static AudioFileRecord row(String batch, String name) throws Exception {
        return new AudioFileRepository(db).find(batch, name).orElseThrow();
    }

    private static long outboxEvents(String batch, String type) throws Exception {
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE batch_id = :b AND type = :t").bind("b", batch).bind("t", type)
                .mapTo(Long.class).one());
    }

    @Test
    void theHandOffWritesEveryRowAndTheTotalOnceAndARedeliveredHandOffWritesNothingTwice() throws Exception {
        String batch = batchWith(5, 2);
        BatchLedger.HandOffResult again = ledger.handOff(batch, "archives/" + batch + ".tar", "gpu-01", List.of(
                new BatchLedger.FileEntry("f0.mp3", null, null, null, "cannot decode"),
                new BatchLedger.FileEntry("f3.mp3", "/scratch/" + batch + "/opus/3.opus", null, 1.0, null)));

        assertThat(new AudioFileRepository(db).byBatch(batch)).hasSize(5);
        BatchCounts counts = ledger.counts(batch).orElseThrow();
        assertThat(counts.total()).isEqualTo(5);
        assertThat(counts.failed()).as("failures of the first hand-off, counted once").isEqualTo(2);
        assertThat(again.pending()).extracting(BatchLedger.PendingFile::name).containsExactly("f2.mp3", "f3.mp3", "f4.mp3");
        assertThat(outboxEvents(batch, "file.failed")).isEqualTo(2);
        assertThat(mirror.counts(batch)).as("the Redis keys mirror the row")
                .isEqualTo(new BatchCounts(batch, 5L, 0, 2, "archives/" + batch + ".tar", "gpu-01", false));
    }

    @Test
    void theSameFileSettledByManyThreadsAtOnceCountsOnceAndCompletesTheBatchOnce() throws Exception {
        String batch = batchWith(3, 0);
        ledger.processed(batch, row(batch, "f0.mp3").audioId(), "processed/a.opus", "a".repeat(64), 1);
        ledger.failed(batch, "f1.mp3", "corrupt");
        java.util.UUID last = row(batch, "f2.mp3").audioId();

        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Outcome>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int n = i;
            Callable<Outcome> report = () -> {
                go.await();
                return n % 2 == 0 ? ledger.processed(batch, last, "processed/c.opus", "c".repeat(64), 1) : ledger.failed(batch, "f2.mp3", "late");
            };
            results.add(pool.submit(report));
        }
        go.countDown();
        int completed = 0;
        int counted = 0;
        for (Future<Outcome> f : results) {
            Outcome o = f.get();
            completed += o == Outcome.COMPLETED ? 1 : 0;
            counted += o != Outcome.ALREADY_COUNTED ? 1 : 0;
        }
        pool.shutdown();

        assertThat(counted).as("settlements that counted").isEqualTo(1);
        assertThat(completed).as("settlements that completed the batch").isEqualTo(1);
        BatchCounts counts = ledger.counts(batch).orElseThrow();
        assertThat(counts.processed() + counts.failed()).isEqualTo(3);
        assertThat(counts.completed()).isTrue();
        assertThat(outboxEvents(batch, "batch.completed")).isEqualTo(1);
        assertThat(outboxEvents(batch, "file.processed") + outboxEvents(batch, "file.failed")).as("one event per file").isEqualTo(3);
        BatchCounts keys = mirror.counts(batch);
        assertThat(keys.processed()).isEqualTo(counts.processed());
        assertThat(keys.failed()).isEqualTo(counts.failed());
        assertThat(redis.pttl(new BatchKeys(batch).total())).as("a completed batch's keys expire").isPositive();
    }

    @Test
    void manyFilesFromManyThreadsReachTheTotalExactlyOnceAndTheMirrorEndsExact() throws Exception {
        int files = 300;
        String batch = batchWith(files, 0);
        List<AudioFileRecord> rows = new AudioFileRepository(db).byBatch(batch);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Outcome>> results = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (AudioFileRecord r : rows) {
                boolean fail = r.originalFilename().hashCode() % 7 == 0;
                results.add(pool.submit(() -> fail ? ledger.failed(batch, r.originalFilename(), "bad")
                        : ledger.processed(batch, r.audioId(), "processed/" + r.audioId() + ".opus", "a".repeat(64), 1)));
            }
        }
        long completions = 0;
        for (Future<Outcome> f : results) {
            completions += f.get() == Outcome.COMPLETED ? 1 : 0;
        }
        pool.shutdown();
        BatchCounts counts = ledger.counts(batch).orElseThrow();
        assertThat(counts.processed() + counts.failed()).isEqualTo(files);
        assertThat(completions).isEqualTo(1);
        assertThat(mirror.agrees(counts)).as("keys moved forward out of order still end at the row's counts").isTrue();
    }

    @Test
    void aBatchWithNothingToTranscribeCompletesAtItsHandOffAndAnEmptyOneToo() throws Exception {
        String allFailed = batchWith(2, 2);
        String empty = batchWith(0, 0);
        assertThat(ledger.counts(allFailed).orElseThrow().completed()).isTrue();
        assertThat(ledger.counts(empty).orElseThrow().completed()).isTrue();
        assertThat(outboxEvents(empty, "batch.completed")).isEqualTo(1);
    }

    @Test
    void theMirrorMovesOnlyForwardAndARewriteSetsItExactly() throws Exception {
        String batch = BatchId.next(Clock.systemUTC());
        mirror.mirror(new BatchCounts(batch, 10L, 5, 1, "k", "n", false), null);
        mirror.mirror(new BatchCounts(batch, 10L, 4, 1, "k", "n", false), null);
        assertThat(mirror.counts(batch).processed()).as("an older count mirrored late does not move the key back").isEqualTo(5);
        redis.set(new BatchKeys(batch).processed(), "99");
        BatchCounts truth = new BatchCounts(batch, 10L, 6, 1, "k", "n", false);
        assertThat(mirror.agrees(truth)).isFalse();
        mirror.rewrite(truth, null);
        assertThat(mirror.agrees(truth)).isTrue();
    }

    @Test
    void aFileTheHandOffDidNotRecordIsNeverCounted() throws Exception {
        String batch = batchWith(1, 0);
        assertThat(ledger.failed(batch, "invented.mp3", "x")).isEqualTo(Outcome.ALREADY_COUNTED);
        assertThat(ledger.processed(batch, java.util.UUID.randomUUID(), "k", "a".repeat(64), 1)).isEqualTo(Outcome.ALREADY_COUNTED);
        BatchCounts counts = ledger.counts(batch).orElseThrow();
        assertThat(counts.processed() + counts.failed()).isZero();
        assertThat(new AudioFileRepository(db).byBatch(batch)).hasSize(1);
    }
}
