package io.audiopipeline.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.queue.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    /** A clock the test moves. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private final ManualClock clock = new ManualClock();
    private final RetrySchedule schedule = new RetrySchedule(new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(60), new Random(3)), clock);

    @Test
    void aFailedFileWaitsItsBackoffThenIsDueAgain() {
        assertThat(schedule.isDue("src/a.tar")).as("never failed").isTrue();
        RetrySchedule.Retry retry = schedule.failed("src/a.tar");
        assertThat(retry.attempt()).isEqualTo(1);
        assertThat(schedule.isDue("src/a.tar")).isFalse();
        assertThat(schedule.isDue("src/b.tar")).as("another file is not held back").isTrue();
        clock.advance(retry.delay().minusMillis(1));
        assertThat(schedule.isDue("src/a.tar")).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(schedule.isDue("src/a.tar")).isTrue();
    }

    @Test
    void failuresInARowCountUpAndASuccessStartsAfresh() {
        schedule.failed("src/a.tar");
        RetrySchedule.Retry third = null;
        for (int i = 0; i < 2; i++) {
            third = schedule.failed("src/a.tar");
        }
        assertThat(third.attempt()).isEqualTo(3);
        assertThat(third.delay()).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
        schedule.succeeded("src/a.tar");
        assertThat(schedule.isDue("src/a.tar")).isTrue();
        assertThat(schedule.failed("src/a.tar").attempt()).isEqualTo(1);
    }
}
