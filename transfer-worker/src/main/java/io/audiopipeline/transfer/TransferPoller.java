package io.audiopipeline.transfer;

import io.audiopipeline.common.queue.Backoff;
import io.audiopipeline.common.worker.WorkerStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the source, claims each ready archive and transfers it. A failed archive is retried at a later
 * poll after an exponential backoff with jitter; it is never dropped.
 */
final class TransferPoller {
    private static final Logger log = LoggerFactory.getLogger(TransferPoller.class);

    private final ExportSource source;
    private final ReadinessFilter filter;
    private final ArchiveClaim claim;
    private final ArchiveTransfer transfer;
    private final WorkerStatus status;
    private final TransferMetrics metrics;
    private final RetrySchedule retries;
    private final TransferFailures failures;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch wake = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    /**
     * Source file versions already known to be in the pipeline (transferred now, or found in the ledger):
     * a kept source is not claimed and looked up again at every poll. Only files still listed are kept.
     */
    private Set<SourceFile> known = new HashSet<>();

    TransferPoller(ExportSource source, ReadinessFilter filter, ArchiveClaim claim, ArchiveTransfer transfer, WorkerStatus status,
                   TransferMetrics metrics, Backoff backoff, TransferFailures failures, Clock clock) {
        this.failures = failures;
        this.source = source;
        this.filter = filter;
        this.claim = claim;
        this.transfer = transfer;
        this.status = status;
        this.metrics = metrics;
        this.retries = new RetrySchedule(backoff, clock);
    }

    /** Daemon mode: poll until {@link #stop()}. */
    void runForever(Duration interval) {
        try {
            while (!stopping.get()) {
                try {
                    poll();
                } catch (RuntimeException e) {
                    // a poll must never end the worker (Redis or the database away for a moment)
                    log.warn("poll of {} failed, next poll in {}s: {}", source.describe(), interval.toSeconds(), e.toString());
                }
                if (wake.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopped.countDown();
        }
    }

    /**
     * {@code --once}: two listings {@code settle} apart (a file must not grow in between), transfer what
     * is ready, and return how many archives failed.
     */
    int runOnce(Duration settle) throws InterruptedException {
        try {
            poll();
            if (wake.await(settle.toMillis(), TimeUnit.MILLISECONDS)) {
                return 0;
            }
            return poll();
        } finally {
            stopped.countDown();
        }
    }

    /** Takes no new archive; the one in progress finishes. */
    void stop() {
        stopping.set(true);
        wake.countDown();
    }

    boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round; returns the number of archives that failed in it. */
    int poll() {
        List<SourceFile> ready;
        try {
            ready = filter.ready(source, source.list());
        } catch (Exception e) {
            log.warn("listing {} failed, next poll will try again: {}", source.describe(), e.toString());
            return 1;
        }
        int failed = 0;
        Set<SourceFile> stillKnown = new HashSet<>();
        for (SourceFile file : ready) {
            if (stopping.get()) {
                break;
            }
            Outcome outcome = known.contains(file) ? Outcome.IN_PIPELINE : consider(file);
            if (outcome == Outcome.IN_PIPELINE) {
                stillKnown.add(file);
            } else if (outcome == Outcome.FAILED) {
                failed++;
            }
        }
        if (!stopping.get()) {
            known = stillKnown;
        } else {
            known.addAll(stillKnown);
        }
        return failed;
    }

    /** What one poll did with one ready file. */
    private enum Outcome { IN_PIPELINE, NOT_NOW, FAILED }

    /** A ready file not known to be in the pipeline: transferred unless it waits for a retry or another worker has it. */
    private Outcome consider(SourceFile file) {
        String identity = source.describe() + "/" + file.name();
        if (!retries.isDue(identity)) {
            return Outcome.NOT_NOW;
        }
        try {
            if (!claim.tryClaim(identity)) {
                log.debug("{} is claimed by another transfer worker", file.name());
                return Outcome.NOT_NOW;
            }
        } catch (RuntimeException e) {
            log.warn("cannot claim {} ({}); it stays for the next poll", file.name(), e.toString());
            return Outcome.FAILED;
        }
        status.begin(file.name());
        try {
            return transferClaimed(file, identity);
        } finally {
            status.end(file.name());
            release(file, identity);
        }
    }

    private Outcome transferClaimed(SourceFile file, String identity) {
        try {
            metrics.archive(transfer.transfer(file) != null ? "transferred" : "skipped");
            retries.succeeded(identity);
            record(() -> failures.transferred(file));
            return Outcome.IN_PIPELINE;
        } catch (Exception e) {
            metrics.archive("failed");
            RetrySchedule.Retry retry = retries.failed(identity);
            log.warn("transfer of {} failed (attempt {}), retrying in {}s; nothing was enqueued for it: {}",
                    file.name(), retry.attempt(), retry.delay().toSeconds(), e.toString());
            record(() -> failures.failed(file, io.audiopipeline.common.config.Secrets.mask(e.toString()), java.time.Instant.now().plus(retry.delay())));
            return Outcome.FAILED;
        }
    }

    /** The failure's record is for operators: a database away now is logged, never a reason to stop transferring. */
    private void record(Recording recording) {
        try {
            recording.run();
        } catch (java.sql.SQLException | RuntimeException e) {
            log.warn("could not record the transfer's outcome in transfer_failures: {}", e.toString());
        }
    }

    @FunctionalInterface
    private interface Recording {
        void run() throws java.sql.SQLException;
    }

    private void release(SourceFile file, String identity) {
        try {
            claim.release(identity);
        } catch (Exception e) {
            log.warn("could not release the claim on {} ({}); it expires by itself", file.name(), e.toString());
        }
    }
}
