package io.audiopipeline.common.worker;

import io.audiopipeline.common.queue.Backoff;
import java.time.Duration;

/**
 * What happens to a delivery whose handler failed: a permanent failure, or a transient one on its last
 * allowed attempt, is given up (dead-lettered with the reason); any other is retried after a backoff.
 */
final class RetryPolicy {
    /** The decision for one failed delivery. */
    sealed interface Decision permits Retry, GiveUp {
    }

    /** Deliver the job again after {@code delay}. */
    record Retry(Duration delay) implements Decision {
    }

    /** Dead-letter the job with {@code reason}. */
    record GiveUp(String reason) implements Decision {
    }

    private final Backoff backoff;
    private final int maxAttempts;

    RetryPolicy(Backoff backoff, int maxAttempts) {
        this.backoff = backoff;
        this.maxAttempts = maxAttempts;
    }

    int maxAttempts() {
        return maxAttempts;
    }

    /** {@code attempt} is the failed delivery's number, 1 for the first. */
    Decision afterFailure(Exception failure, int attempt) {
        if (failure instanceof PermanentJobException) {
            return new GiveUp(failure.getMessage());
        }
        if (attempt >= maxAttempts) {
            return new GiveUp("failed after " + attempt + " attempts: " + describe(failure));
        }
        return new Retry(backoff.delayAfter(attempt));
    }

    /** A job that could not be given up (its failure could not be recorded) is retried instead, after this wait. */
    Duration whenGivingUpFailed(int attempt) {
        return backoff.delayAfter(attempt);
    }

    /** One line: the exception's type and message, with its cause's when that adds something. */
    static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e.getCause() != null && e.getCause() != e && e.getCause().getMessage() != null && !message.contains(e.getCause().getMessage())) {
            message += " (caused by " + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage() + ")";
        }
        return message.replace('\n', ' ');
    }
}
