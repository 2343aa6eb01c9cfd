package io.audiopipeline.common.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void growsExponentiallyWithinHalfToFullOfTheCeiling() {
        Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), new Random(42));
        for (int attempt = 1; attempt <= 12; attempt++) {
            long ceiling = Math.min(2000L << (attempt - 1), 300_000L);
            for (int i = 0; i < 200; i++) {
                long delay = backoff.delayAfter(attempt).toMillis();
                assertThat(delay).as("attempt %d", attempt).isBetween(ceiling / 2, ceiling);
            }
        }
    }

    @Test
    void jitterSpreadsRetriesOfTheSameAttempt() {
        Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), new Random(7));
        Set<Long> delays = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            delays.add(backoff.delayAfter(3).toMillis());
        }
        assertThat(delays).hasSizeGreaterThan(40);
    }
}
