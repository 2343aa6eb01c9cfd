package io.audiopipeline.common.worker;

import io.audiopipeline.common.job.Job;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.MalformedJobException;
import io.audiopipeline.common.queue.Backoff;
import io.audiopipeline.common.queue.Delivery;
import io.audiopipeline.common.queue.ReliableQueue;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One slot of a worker: fetches a job only when it is free, runs the handler, and settles the delivery
 * (ack, retry with backoff, or dead-letter). It owns fetch, ack, retry, dead-letter, metrics and the
 * log context; the handler does only its domain work.
 */
final class JobRunner<T extends Job> implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration REDIS_DOWN_PAUSE = Duration.ofSeconds(2);

    private final ReliableQueue queue;
    private final JobHandler<T> handler;
    private final JobCodec codec;
    private final RetryPolicy policy;
    private final WorkerMetrics metrics;
    private final AtomicBoolean stopping;
    private final WorkerStatus status;
    private final Admission admission;
    private String waitingFor;

    JobRunner(ReliableQueue queue, JobHandler<T> handler, JobCodec codec, Backoff backoff, int maxAttempts,
              WorkerMetrics metrics, AtomicBoolean stopping, WorkerStatus status, Admission admission) {
        this.queue = queue;
        this.handler = handler;
        this.codec = codec;
        this.policy = new RetryPolicy(backoff, maxAttempts);
        this.metrics = metrics;
        this.stopping = stopping;
        this.status = status;
        this.admission = admission;
    }

    @Override
    public void run() {
        while (!stopping.get()) {
            try {
                if (mustWait()) {
                    Thread.sleep(POLL.toMillis());
                    continue;
                }
                Optional<Delivery> delivery = queue.fetch(POLL);
                if (delivery.isPresent()) {
                    process(delivery.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // Redis unreachable: the job (if any) stays in our processing list and is redelivered
                log.warn("queue {} unavailable ({}), retrying in {}s", queue.keys().name(), e.getMessage(), REDIS_DOWN_PAUSE.toSeconds());
                try {
                    Thread.sleep(REDIS_DOWN_PAUSE.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private boolean mustWait() {
        Optional<String> reason = admission.waitReason();
        if (reason.isPresent()) {
            // log a reason once, not every poll: compare it without its changing figures "(...)"
            String kind = reason.get().split(" \\(")[0];
            if (!kind.equals(waitingFor)) {
                log.warn("not taking new jobs from {}: {}; resuming by itself when this clears", queue.keys().main(), reason.get());
            }
            waitingFor = kind;
            return true;
        }
        if (waitingFor != null) {
            log.info("taking jobs from {} again ({} cleared)", queue.keys().main(), waitingFor);
            waitingFor = null;
        }
        return false;
    }

    void process(Delivery delivery) throws InterruptedException {
        String queueName = queue.keys().name();
        long started = System.nanoTime();
        MDC.put("job", queueName);
        status.begin(delivery.payload());
        try {
            T job;
            try {
                job = codec.decode(delivery.payload(), handler.jobType());
            } catch (MalformedJobException e) {
                log.error("malformed job on {}, moving it to the dead-letter list: {}", queueName, e.getMessage());
                deadLetter(delivery, "malformed payload: " + e.getMessage(), "malformed", started);
                return;
            }
            MDC.put("batch_id", job.batchId());
            try {
                handler.handle(job, delivery.attempt());
                queue.ack(delivery);
                metrics.settled(queueName, "succeeded", seconds(started));
            } catch (InterruptedException e) {
                // stopping past the grace period: the job is released back to the queue by the worker
                throw e;
            } catch (Exception e) {
                settleFailure(job, delivery, e, started);
            }
        } finally {
            status.end(delivery.payload());
            MDC.clear();
        }
    }

    private void settleFailure(T job, Delivery delivery, Exception e, long started) {
        RetryPolicy.Decision decision = policy.afterFailure(e, delivery.attempt());
        if (decision instanceof RetryPolicy.GiveUp giveUp) {
            if (e instanceof PermanentJobException) {
                log.error("job failed permanently, moving it to the dead-letter list: {}", giveUp.reason());
            } else {
                log.error("job failed, attempt {}/{}, giving up and moving it to the dead-letter list: {}", delivery.attempt(),
                        policy.maxAttempts(), RetryPolicy.describe(e), e);
            }
            giveUp(job, delivery, giveUp.reason(), started);
        } else if (decision instanceof RetryPolicy.Retry retry) {
            log.warn("job failed, attempt {}/{}, retrying in {}: {}", delivery.attempt(), policy.maxAttempts(), human(retry.delay()),
                    RetryPolicy.describe(e), e);
            if (!queue.retryLater(delivery, retry.delay())) {
                log.warn("job was already handed to another worker (heartbeat lapsed); not scheduling a retry");
            }
            metrics.settled(queue.keys().name(), "retried", seconds(started));
        }
    }

    private void giveUp(T job, Delivery delivery, String reason, long started) {
        String queueName = queue.keys().name();
        try {
            handler.onDeadLetter(job, reason);
        } catch (Exception hookFailure) {
            Duration delay = policy.whenGivingUpFailed(delivery.attempt());
            log.warn("could not record the failure of the job ({}), retrying it in {} instead of dead-lettering it",
                    RetryPolicy.describe(hookFailure), human(delay));
            queue.retryLater(delivery, delay);
            metrics.settled(queueName, "retried", seconds(started));
            return;
        }
        deadLetter(delivery, reason, "dead", started);
    }

    /** To the dead-letter list; a database that cannot record it now has the job tried again later instead. */
    private void deadLetter(Delivery delivery, String reason, String outcome, long started) {
        try {
            queue.deadLetter(delivery, reason);
            metrics.settled(queue.keys().name(), outcome, seconds(started));
        } catch (java.sql.SQLException e) {
            Duration delay = policy.whenGivingUpFailed(delivery.attempt());
            log.warn("could not record the dead letter ({}), retrying the job in {} instead", e.getMessage(), human(delay));
            queue.retryLater(delivery, delay);
            metrics.settled(queue.keys().name(), "retried", seconds(started));
        }
    }

    private static String human(Duration d) {
        return d.toMillis() < 1000 ? d.toMillis() + "ms" : String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
