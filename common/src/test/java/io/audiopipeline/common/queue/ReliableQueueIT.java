package io.audiopipeline.common.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.testing.TestServers;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

class ReliableQueueIT {
    private static UnifiedJedis redis;
    private final ObjectMapper json = new JobCodec().mapper();
    private final QueueKeys keys = new QueueKeys("test-" + UUID.randomUUID());

    @BeforeAll
    static void connect() {
        redis = TestServers.redis();
    }

    @AfterAll
    static void close() {
        redis.close();
    }

    private ReliableQueue consumer(String id, Duration visibility) {
        ReliableQueue q = new ReliableQueue(redis, keys, id, visibility, json, Clock.systemUTC());
        q.heartbeat("{}");
        return q;
    }

    @Test
    void aJobWhoseWorkerDiesIsDeliveredToAnotherAfterTheVisibilityTimeout() {
        ReliableQueue doomed = consumer("doomed", Duration.ofSeconds(3));
        ReliableQueue survivor = consumer("survivor", Duration.ofSeconds(3));
        doomed.push("{\"n\":1}");

        Delivery first = doomed.fetch(Duration.ofSeconds(1)).orElseThrow();
        assertThat(first.attempt()).isEqualTo(1);
        // the doomed worker now dies: no ack, no more heartbeats. Until its heartbeat expires the job is
        // held, not redelivered
        assertThat(survivor.reapOrphans()).isZero();
        assertThat(survivor.fetch(Duration.ofMillis(200))).isEmpty();
        assertThat(survivor.stats().inFlight()).isEqualTo(1);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            survivor.heartbeat("{}");
            return survivor.reapOrphans() == 1;
        });
        Delivery second = survivor.fetch(Duration.ofSeconds(1)).orElseThrow();
        assertThat(second.payload()).isEqualTo("{\"n\":1}");
        assertThat(second.attempt()).isEqualTo(2);
        survivor.ack(second);

        QueueStats stats = survivor.stats();
        assertThat(stats.waiting()).isZero();
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.workers()).as("the dead worker left the worker set").isEqualTo(1);
        assertThat(redis.hlen(keys.attempts())).isZero();
    }

    @Test
    void aLiveWorkerKeepsItsJobForLongerThanTheVisibilityTimeout() throws Exception {
        ReliableQueue busy = consumer("busy", Duration.ofSeconds(3));
        ReliableQueue other = consumer("other", Duration.ofSeconds(3));
        busy.push("{\"long\":true}");
        Delivery d = busy.fetch(Duration.ofSeconds(1)).orElseThrow();
        for (int i = 0; i < 8; i++) {
            Thread.sleep(700);
            busy.heartbeat("{}");
            other.heartbeat("{}");
            assertThat(other.reapOrphans()).isZero();
        }
        busy.ack(d);
        assertThat(other.stats().inFlight()).isZero();
    }

    @Test
    void retriesWaitTheirDelayAndIdenticalPayloadsAreNotMerged() throws Exception {
        ReliableQueue q = consumer("w", Duration.ofSeconds(5));
        q.push("{\"same\":1}");
        q.push("{\"same\":1}");
        Delivery a = q.fetch(Duration.ofSeconds(1)).orElseThrow();
        Delivery b = q.fetch(Duration.ofSeconds(1)).orElseThrow();
        assertThat(q.retryLater(a, Duration.ofMillis(300))).isTrue();
        assertThat(q.retryLater(b, Duration.ofMillis(300))).isTrue();
        assertThat(q.stats().delayed()).isEqualTo(2);
        assertThat(q.promoteDue()).as("not due yet").isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> q.promoteDue() == 2);
        assertThat(q.stats().waiting()).isEqualTo(2);
    }

    @Test
    void deadLettersKeepThePayloadErrorAttemptsAndWorker() throws Exception {
        ReliableQueue q = consumer("w-dead", Duration.ofSeconds(5));
        q.push("{\"bad\":true}");
        Delivery d = q.fetch(Duration.ofSeconds(1)).orElseThrow();
        q.deadLetter(d, "disk on fire");
        DeadLetters dead = new DeadLetters(redis, keys, json);
        assertThat(dead.size()).isEqualTo(1);
        DeadLetter entry = dead.list(0, 10).get(0);
        assertThat(entry.payload()).isEqualTo("{\"bad\":true}");
        assertThat(entry.error()).isEqualTo("disk on fire");
        assertThat(entry.attempts()).isEqualTo(1);
        assertThat(entry.worker()).isEqualTo("w-dead");
        assertThat(entry.failedAt()).isNotNull();
        assertThat(q.stats().inFlight()).isZero();

        assertThat(entry.id()).as("a dead letter has an id").isNotBlank();
        assertThat(dead.retry("not-an-id")).isFalse();
        assertThat(dead.retry(entry.id())).isTrue();
        assertThat(dead.size()).isZero();
        Optional<Delivery> again = q.fetch(Duration.ofSeconds(1));
        assertThat(again).map(Delivery::payload).contains("{\"bad\":true}");
        assertThat(again.get().attempt()).as("a re-queued dead job starts its attempts afresh").isEqualTo(1);
    }

    @Test
    void releaseGivesUnfinishedJobsBackAtOnce() {
        ReliableQueue q = consumer("leaving", Duration.ofSeconds(30));
        q.push("{\"x\":1}");
        q.fetch(Duration.ofSeconds(1)).orElseThrow();
        assertThat(q.release()).isEqualTo(1);
        QueueStats stats = q.stats();
        assertThat(stats.waiting()).isEqualTo(1);
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.workers()).isZero();
    }
}
