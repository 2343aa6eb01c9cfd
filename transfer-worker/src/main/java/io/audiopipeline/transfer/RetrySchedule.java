package io.audiopipeline.transfer;

import io.audiopipeline.common.queue.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** When a source file that failed to transfer may be tried again: exponential backoff with jitter, per file. */
final class RetrySchedule {
    /** A failure as scheduled: the how-many-th in a row, and the wait before the next try. */
    record Retry(int attempt, Duration delay) {
    }

    private final Backoff backoff;
    private final Clock clock;
    private final Map<String, Integer> failures = new HashMap<>();
    private final Map<String, Instant> notBefore = new HashMap<>();

    RetrySchedule(Backoff backoff, Clock clock) {
        this.backoff = backoff;
        this.clock = clock;
    }

    /** Whether {@code identity} may be tried now (never failed, or its wait is over). */
    boolean isDue(String identity) {
        Instant wait = notBefore.get(identity);
        return wait == null || !clock.instant().isBefore(wait);
    }

    Retry failed(String identity) {
        int attempt = failures.merge(identity, 1, Integer::sum);
        Duration delay = backoff.delayAfter(attempt);
        notBefore.put(identity, clock.instant().plus(delay));
        return new Retry(attempt, delay);
    }

    void succeeded(String identity) {
        failures.remove(identity);
        notBefore.remove(identity);
    }
}
