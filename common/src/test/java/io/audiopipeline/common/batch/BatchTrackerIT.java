package io.audiopipeline.common.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.testing.TestServers;
import java.time.Clock;
import java.time.Duration;
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

class BatchTrackerIT {
    private static UnifiedJedis redis;
    private static BatchTracker tracker;

    @BeforeAll
    static void connect() {
        redis = TestServers.redis();
        tracker = new BatchTracker(redis);
    }

    @AfterAll
    static void close() {
        redis.close();
    }

    @Test
    void theSameFileReportedByManyThreadsAtOnceCountsOnceAndCompletesOnce() throws Exception {
        String batch = BatchId.next(Clock.systemUTC());
        assertThat(tracker.initialize(batch, 3, "archives/" + batch + ".tar", "gpu-01")).isFalse();
        tracker.recordProcessed(batch, "a.mp3");
        tracker.recordFailed(batch, "b.mp3");

        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Outcome>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Callable<Outcome> report = () -> {
                go.await();
                return tracker.recordProcessed(batch, "c.mp3");
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

        assertThat(counted).as("reports that counted").isEqualTo(1);
        assertThat(completed).as("reports told they completed the batch").isEqualTo(1);
        BatchCounts counts = tracker.counts(batch);
        assertThat(counts.processed()).isEqualTo(2);
        assertThat(counts.failed()).isEqualTo(1);
        assertThat(counts.processed() + counts.failed()).isEqualTo(counts.total());
        assertThat(counts.completed()).isTrue();
        assertThat(counts.node()).isEqualTo("gpu-01");
    }

    @Test
    void manyFilesFromManyThreadsReachTheTotalExactlyOnce() throws Exception {
        String batch = BatchId.next(Clock.systemUTC());
        int files = 400;
        tracker.initialize(batch, files, "k", "n");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Outcome>> results = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < files; i++) {
                String file = "f" + i;
                boolean fail = i % 7 == 0;
                results.add(pool.submit(() -> fail ? tracker.recordFailed(batch, file) : tracker.recordProcessed(batch, file)));
            }
        }
        long completions = 0;
        for (Future<Outcome> f : results) {
            completions += f.get() == Outcome.COMPLETED ? 1 : 0;
        }
        pool.shutdown();
        BatchCounts counts = tracker.counts(batch);
        assertThat(counts.processed() + counts.failed()).isEqualTo(files);
        assertThat(counts.failed()).isEqualTo(58);
        assertThat(completions).isEqualTo(1);
        assertThat(redis.get(new BatchKeys(batch).completedBy())).isNotNull();
    }

    @Test
    void aCompletionInterruptedByACrashIsPendingForTheCompletingFileOnlyUntilFinalized() {
        String batch = BatchId.next(Clock.systemUTC());
        tracker.initialize(batch, 2, "k", "n");
        assertThat(tracker.recordProcessed(batch, "x")).isEqualTo(Outcome.COUNTED);
        assertThat(tracker.recordProcessed(batch, "y")).isEqualTo(Outcome.COMPLETED);
        // the worker dies before finishing the completion; y's job is redelivered
        assertThat(tracker.recordProcessed(batch, "y")).isEqualTo(Outcome.ALREADY_COUNTED);
        assertThat(tracker.completionPending(batch, "y")).isTrue();
        assertThat(tracker.completionPending(batch, "x")).isFalse();
        tracker.finalizeCompletion(batch, Duration.ofDays(7));
        assertThat(tracker.completionPending(batch, "y")).isFalse();
        assertThat(tracker.counts(batch).processed()).isEqualTo(2);
    }

    @Test
    void theFilesCountedAmongManyAreFoundInOneGo() {
        String batch = BatchId.next(Clock.systemUTC());
        tracker.initialize(batch, 1200, "k", "n");
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            names.add("f" + i);
            if (i % 7 == 0) {
                tracker.recordProcessed(batch, "f" + i);
            } else if (i % 11 == 0) {
                tracker.recordFailed(batch, "f" + i);
            }
        }
        java.util.Set<String> counted = tracker.countedAmong(batch, names);
        assertThat(counted).hasSize((int) names.stream().filter(n -> tracker.isCounted(batch, n)).count())
                .allMatch(n -> tracker.isCounted(batch, n)).contains("f0", "f7", "f11", "f1197");
    }

    @Test
    void initializingTwiceNeverResetsTheTotalOrTheCounters() {
        String batch = BatchId.next(Clock.systemUTC());
        for (long total = 1; total <= 3; total++) {
            assertThat(tracker.initialize(BatchId.next(Clock.systemUTC()), total, "k", "n")).as("a batch of %d files is not complete yet", total).isFalse();
        }
        assertThat(tracker.initialize(batch, 5, "k", "n")).isFalse();
        tracker.recordProcessed(batch, "a");
        tracker.initialize(batch, 9, "k", "n2");
        BatchCounts counts = tracker.counts(batch);
        assertThat(counts.total()).isEqualTo(5);
        assertThat(counts.processed()).isEqualTo(1);
        assertThat(counts.node()).as("a recovered batch moves to the new node").isEqualTo("n2");
    }

    @Test
    void anEmptyBatchCompletesAtOnceAndFilesCountedBeforeTheTotalStillComplete() {
        String empty = BatchId.next(Clock.systemUTC());
        assertThat(tracker.initialize(empty, 0, "k", "n")).isTrue();
        assertThat(tracker.initialize(empty, 0, "k", "n")).as("a redelivered unpack job re-runs an unfinished completion").isTrue();
        tracker.finalizeCompletion(empty, Duration.ofDays(7));
        assertThat(tracker.initialize(empty, 0, "k", "n")).as("once finalized, never again").isFalse();

        String early = BatchId.next(Clock.systemUTC());
        tracker.recordFailed(early, "broken.mp3");
        assertThat(tracker.initialize(early, 1, "k", "n")).isTrue();
    }

    @Test
    void finalizingSetsTheTtlOnEveryKey() {
        String batch = BatchId.next(Clock.systemUTC());
        tracker.initialize(batch, 1, "k", "n");
        tracker.recordProcessed(batch, "a");
        tracker.finalizeCompletion(batch, Duration.ofDays(7));
        for (String key : List.of(new BatchKeys(batch).total(), new BatchKeys(batch).processed(), new BatchKeys(batch).counted(),
                new BatchKeys(batch).finalized())) {
            assertThat(redis.ttl(key)).as(key).isBetween(Duration.ofDays(7).toSeconds() - 5, Duration.ofDays(7).toSeconds());
        }
    }
}
