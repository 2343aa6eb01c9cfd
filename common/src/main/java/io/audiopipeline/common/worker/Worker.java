package io.audiopipeline.common.worker;

import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.job.Job;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.queue.Backoff;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.queue.ReliableQueue;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.UnifiedJedis;

/**
 * A queue consumer with N slots. {@link #start()} registers the heartbeat, then starts the slots and
 * the housekeeping; {@link #stop()} only flips a flag (no new job is taken); {@link #awaitStop}
 * lets the current jobs finish within the grace period, then interrupts what is left and gives its jobs
 * back to the queue.
 */
public final class Worker<T extends Job> {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final String kind;
    private final ReliableQueue queue;
    private final RuntimeConfig config;
    private final JobHandler<T> handler;
    private final JobCodec codec;
    private final WorkerMetrics metrics;
    private final WorkerStatus status;
    private final Housekeeper housekeeper;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<Thread> slots = new ArrayList<>();
    private ScheduledExecutorService housekeeping;
    private Admission admission = Admission.ALWAYS;

    public Worker(String kind, UnifiedJedis redis, QueueKeys queueKeys, RuntimeConfig config, JobHandler<T> handler,
                  JobCodec codec, WorkerMetrics metrics, Clock clock) {
        this(workerId(config.nodeName(), kind), kind, redis, queueKeys, config, handler, codec, metrics, clock);
    }

    /**
     * A worker known as {@code workerId} everywhere: in its heartbeat, its processing list, the dead letters
     * it writes and the events its handler records (made once, by {@link #workerId}, and passed to both).
     */
    public Worker(String workerId, String kind, UnifiedJedis redis, QueueKeys queueKeys, RuntimeConfig config, JobHandler<T> handler,
                  JobCodec codec, WorkerMetrics metrics, Clock clock) {
        this.kind = kind;
        this.config = config;
        this.handler = handler;
        this.codec = codec;
        this.metrics = metrics;
        this.queue = new ReliableQueue(redis, queueKeys, workerId, config.visibilityTimeout(), codec.mapper(), clock);
        this.status = new WorkerStatus(workerId, config.nodeName(), kind, clock);
        this.housekeeper = new Housekeeper(queue, status, metrics, codec.mapper());
    }

    public static String workerId(String node, String kind) {
        return node + ":" + kind + ":" + ProcessHandle.current().pid() + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    public String id() {
        return queue.workerId();
    }

    public ReliableQueue queue() {
        return queue;
    }

    /** Before {@link #start()}: dead letters are recorded in the database before they go on the list (Redis may lose it). */
    public Worker<T> recordDeadLettersIn(io.audiopipeline.common.queue.DeadLetterStore store) {
        queue.recordDeadLettersIn(store);
        return this;
    }

    /** Before {@link #start()}: the condition for taking new jobs (back-pressure). */
    public synchronized Worker<T> admitWhen(Admission admission) {
        this.admission = admission;
        return this;
    }

    public synchronized void start() {
        if (housekeeping != null) {
            throw new IllegalStateException("already started");
        }
        firstBeat();
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> named(r, kind + "-housekeeping"));
        // fixed delay, not fixed rate: after a long GC pause rounds must not fire back to back
        long period = Math.max(250, config.visibilityTimeout().toMillis() / 3);
        housekeeping.scheduleWithFixedDelay(housekeeper, period, period, TimeUnit.MILLISECONDS);
        Backoff backoff = new Backoff(config.retryBaseDelay(), config.retryMaxDelay(), new Random());
        for (int i = 0; i < config.concurrency(); i++) {
            JobRunner<T> runner = new JobRunner<>(queue, handler, codec, backoff, config.maxAttempts(), metrics, stopping, status, admission);
            Thread slot = named(runner, kind + "-slot-" + (i + 1));
            slots.add(slot);
            slot.start();
        }
        log.info("{} worker {} started: queue {}, {} slot(s), max attempts {}, visibility timeout {}s",
                kind, id(), queue.keys().main(), config.concurrency(), config.maxAttempts(), config.visibilityTimeout().toSeconds());
    }

    /**
     * The first heartbeat registers this worker before it takes a job, so other workers never take its
     * processing list for an orphan's. A connection that broke since the start-up check (Redis restarted
     * in between) is not a reason to exit: the beat is retried with backoff for up to a visibility
     * timeout (at least 10 s), and only a Redis that stays away makes the start fail. A stop requested
     * meanwhile ends the retries, and the start goes on to a worker that takes nothing.
     */
    private void firstBeat() {
        Backoff backoff = new Backoff(config.retryBaseDelay(), config.retryMaxDelay(), new Random());
        long deadline = System.nanoTime() + Math.max(10_000, config.visibilityTimeout().toMillis()) * 1_000_000L;
        for (int attempt = 1; ; attempt++) {
            try {
                housekeeper.beat();
                return;
            } catch (JedisException e) {
                if (stopping.get()) {
                    // SIGTERM while waiting for Redis: no job will be taken, so nothing needs the heartbeat
                    return;
                }
                if (System.nanoTime() >= deadline) {
                    throw e;
                }
                Duration delay = backoff.delayAfter(attempt);
                log.warn("first heartbeat of {} failed ({}), retrying in {} ms", id(), e.toString(), delay.toMillis());
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Takes no new job from now on. Returns at once. */
    public void stop() {
        if (stopping.compareAndSet(false, true)) {
            log.info("{} worker stopping: no new jobs; current jobs get {}s to finish", kind, config.gracePeriod().toSeconds());
        }
    }

    public boolean isStopping() {
        return stopping.get();
    }

    /**
     * Waits for the slots to finish their current job, at most {@code grace}; then interrupts the rest,
     * gives their jobs back to the queue and stops housekeeping. Returns true when every job finished.
     */
    public boolean awaitStop(Duration grace) throws InterruptedException {
        stop();
        long deadline = System.nanoTime() + grace.toNanos();
        boolean clean = true;
        for (Thread slot : slots) {
            slot.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (slot.isAlive()) {
                clean = false;
                slot.interrupt();
            }
        }
        for (Thread slot : slots) {
            slot.join(5_000);
        }
        if (housekeeping != null) {
            housekeeping.shutdownNow();
            housekeeping.awaitTermination(5, TimeUnit.SECONDS);
        }
        try {
            long released = queue.release();
            if (released > 0) {
                log.warn("{} unfinished job(s) given back to {} for another worker", released, queue.keys().main());
            }
        } catch (Exception e) {
            log.warn("could not give unfinished jobs back ({}); they return after the visibility timeout", e.toString());
        }
        stopped.countDown();
        log.info("{} worker {} stopped{}", kind, id(), clean ? "" : " (grace period exceeded)");
        return clean;
    }

    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isRunning() {
        return !stopping.get() && slots.stream().anyMatch(Thread::isAlive);
    }

    private static Thread named(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(false);
        return t;
    }
}
