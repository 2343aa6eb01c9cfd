package io.audiopipeline.common.queue;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with "equal jitter": before delivery n+1 wait between half and all of
 * {@code base * 2^(n-1)}, capped at {@code max}. The jitter spreads retries of a failure that hit many
 * jobs at once (S3 down for a minute) so they do not return together.
 */
public final class Backoff {
    private final Duration base;
    private final Duration max;
    private final RandomGenerator random;

    public Backoff(Duration base, Duration max, RandomGenerator random) {
        if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("need 0 < base <= max, got base=" + base + " max=" + max);
        }
        this.base = base;
        this.max = max;
        this.random = random;
    }

    /** The wait after failed delivery number {@code attempt} (1-based). */
    public Duration delayAfter(int attempt) {
        int doublings = Math.max(0, Math.min(attempt - 1, 40));
        long ceiling = base.toMillis();
        for (int i = 0; i < doublings && ceiling < max.toMillis(); i++) {
            ceiling *= 2;
        }
        ceiling = Math.min(ceiling, max.toMillis());
        long half = ceiling / 2;
        return Duration.ofMillis(half + random.nextLong(ceiling - half + 1));
    }
}
