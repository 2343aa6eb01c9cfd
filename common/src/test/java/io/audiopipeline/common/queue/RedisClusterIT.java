package io.audiopipeline.common.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.batch.Outcome;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.testing.RedisClusterServer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/**
 * The queue, the batch counters and publish-once against a real three-node Redis Cluster
 * (REDIS_CLUSTER_NODES): every script keeps its keys in one slot, so nothing fails with CROSSSLOT, and the
 * guarantees hold when queues and batches live on different nodes.
 */
class RedisClusterIT {
    private static RedisClusterServer cluster;
    private static UnifiedJedis redis;
    private final ObjectMapper json = new JobCodec().mapper();

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(RedisClusterServer.available(), "redis-server and redis-cli are needed to start a cluster");
        cluster = new RedisClusterServer(3);
        redis = cluster.client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aJobGoesThroughRetryDeadLetterAndOperatorRetryOnQueuesSpreadOverTheNodes() throws Exception {
        for (String name : List.of("unpack", "transcribe:gpu-01", "transcribe:gpu-02", "transcribe:gpu-03")) {
            QueueKeys keys = new QueueKeys(name + "-" + UUID.randomUUID());
            ReliableQueue worker = new ReliableQueue(redis, keys, "worker-1", Duration.ofSeconds(5), json, Clock.systemUTC());
            worker.heartbeat("{}");
            worker.push("{\"n\":1}");

            Delivery first = worker.fetch(Duration.ofSeconds(1)).orElseThrow();
            assertThat(first.attempt()).isEqualTo(1);
            assertThat(worker.retryLater(first, Duration.ZERO)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> worker.promoteDue() == 1);
            Delivery second = worker.fetch(Duration.ofSeconds(1)).orElseThrow();
            assertThat(second.attempt()).isEqualTo(2);

            worker.deadLetter(second, "boom");
            DeadLetters dead = new DeadLetters(redis, keys, json);
            assertThat(dead.list(0, 10)).singleElement().satisfies(d -> assertThat(d.error()).isEqualTo("boom"));
            assertThat(dead.retry(dead.list(0, 1).get(0).id())).isTrue();
            Delivery third = worker.fetch(Duration.ofSeconds(1)).orElseThrow();
            assertThat(third.payload()).isEqualTo("{\"n\":1}");
            worker.ack(third);

            assertThat(worker.stats()).isEqualTo(new QueueStats(keys.name(), 0, 0, 0, 0, 1));
            assertThat(worker.release()).isZero();
        }
    }

    @Test
    void theJobOfAWorkerThatDiedIsRequeuedByAnother() {
        QueueKeys keys = new QueueKeys("cluster-orphans-" + UUID.randomUUID());
        ReliableQueue doomed = new ReliableQueue(redis, keys, "doomed", Duration.ofSeconds(1), json, Clock.systemUTC());
        ReliableQueue survivor = new ReliableQueue(redis, keys, "survivor", Duration.ofSeconds(1), json, Clock.systemUTC());
        doomed.heartbeat("{}");
        survivor.heartbeat("{}");
        doomed.push("{\"n\":2}");
        doomed.fetch(Duration.ofSeconds(1)).orElseThrow();

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            survivor.heartbeat("{}");
            return survivor.reapOrphans() == 1;
        });
        Delivery again = survivor.fetch(Duration.ofSeconds(1)).orElseThrow();
        assertThat(again.attempt()).isEqualTo(2);
        survivor.ack(again);
        assertThat(survivor.stats().workers()).as("the dead worker left the worker set").isEqualTo(1);
    }

    @Test
    void publishingTheSameJobTwiceEnqueuesItOnce() {
        QueueKeys keys = new QueueKeys("cluster-publish-" + UUID.randomUUID());
        JobPublisher publisher = new JobPublisher(redis, Duration.ofMinutes(10));

        assertThat(publisher.publishOnce(keys, "batch-1", "a.opus", "{\"a\":1}")).isTrue();
        assertThat(publisher.publishOnce(keys, "batch-1", "a.opus", "{\"a\":1}")).isFalse();

        assertThat(redis.llen(keys.main())).isEqualTo(1);
        assertThat(publisher.publishedJobs(keys, "batch-1")).containsKey("a.opus");

        // many at once, in several script calls: each still once, whatever was published before
        List<Map.Entry<String, String>> jobs = new ArrayList<>();
        jobs.add(Map.entry("a.opus", "{\"a\":1}"));
        for (int i = 0; i < 450; i++) {
            jobs.add(Map.entry("f" + i + ".opus", "{\"f\":" + i + "}"));
        }
        assertThat(publisher.publishAllOnce(keys, "batch-1", jobs)).isEqualTo(450);
        assertThat(publisher.publishAllOnce(keys, "batch-1", jobs)).isZero();
        assertThat(redis.llen(keys.main())).isEqualTo(451);
        assertThat(publisher.publishedJobs(keys, "batch-1")).containsEntry("f449.opus", "{\"f\":449}");
        // taken from the tail in the order they were published
        assertThat(redis.rpop(keys.main())).isEqualTo("{\"a\":1}");
        assertThat(redis.rpop(keys.main())).isEqualTo("{\"f\":0}");

        // an id given twice in one call is enqueued once, with its first payload
        assertThat(publisher.publishAllOnce(keys, "batch-2", List.of(Map.entry("x.opus", "{\"x\":1}"), Map.entry("x.opus", "{\"x\":2}"),
                Map.entry("y.opus", "{\"y\":1}")))).isEqualTo(2);
        assertThat(publisher.publishedJobs(keys, "batch-2")).containsEntry("x.opus", "{\"x\":1}");
        assertThat(redis.llen(keys.main())).isEqualTo(451);
    }

    @Test
    void theBatchKeysMirrorMovesForwardAndIsRewrittenOnACluster() throws Exception {
        BatchTracker tracker = new BatchTracker(redis);
        List<String> batches = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            String batch = BatchId.next(Clock.systemUTC());
            batches.add(batch);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> writes = new ArrayList<>();
                for (int n = 100; n >= 1; n--) {
                    long processed = n;
                    writes.add(pool.submit(() -> tracker.mirror(new BatchCounts(batch, 100L, processed, 0, "archives/" + batch + ".tar", "gpu-01",
                            false), null)));
                }
                for (Future<?> w : writes) {
                    w.get();
                }
            } finally {
                pool.shutdown();
            }
        }
        for (String batch : batches) {
            assertThat(tracker.counts(batch).processed()).as("the highest count wins, whatever the order").isEqualTo(100);
            BatchCounts done = new BatchCounts(batch, 100L, 90, 10, "archives/" + batch + ".tar", "gpu-01", true);
            tracker.rewrite(done, java.time.Duration.ofMinutes(5));
            assertThat(tracker.agrees(done)).isTrue();
        }
    }

    @Test
    void theInspectorFindsQueuesOnEveryNode() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String name = "cluster-scan-" + i + "-" + UUID.randomUUID();
            names.add(name);
            redis.lpush(new QueueKeys(name).main(), "{}");
        }
        int nodesWithQueues = 0;
        for (String node : cluster.env().get("REDIS_CLUSTER_NODES").split(",")) {
            try (Jedis direct = new Jedis("redis://" + node)) {
                nodesWithQueues += direct.dbSize() > 0 ? 1 : 0;
            }
        }
        assertThat(nodesWithQueues).as("the queues are spread over the nodes").isGreaterThan(1);

        assertThat(new QueueInspector(redis, json).queueNames()).containsAll(names);
    }
}
