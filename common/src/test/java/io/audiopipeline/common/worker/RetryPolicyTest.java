package io.audiopipeline.common.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.queue.Backoff;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8), new Random(1)), 3);

    @Test
    void aPermanentFailureIsGivenUpAtOnceWithItsOwnReason() {
        RetryPolicy.Decision d = policy.afterFailure(new PermanentJobException("archive is not a tar"), 1);
        assertThat(d).isEqualTo(new RetryPolicy.GiveUp("archive is not a tar"));
    }

    @Test
    void aTransientFailureIsRetriedWithAGrowingJitteredDelayBeforeItsLastAttempt() {
        RetryPolicy.Decision first = policy.afterFailure(new IOException("S3 503"), 1);
        RetryPolicy.Decision second = policy.afterFailure(new IOException("S3 503"), 2);
        assertThat(first).isInstanceOf(RetryPolicy.Retry.class);
        assertThat(((RetryPolicy.Retry) first).delay()).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
        assertThat(((RetryPolicy.Retry) second).delay()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @Test
    void theLastAllowedAttemptIsGivenUpNamingTheAttemptsAndTheCause() {
        Exception e = new IllegalStateException("upload failed", new IOException("Connection reset"));
        RetryPolicy.Decision d = policy.afterFailure(e, 3);
        assertThat(d).isEqualTo(new RetryPolicy.GiveUp(
                "failed after 3 attempts: IllegalStateException: upload failed (caused by IOException: Connection reset)"));
        assertThat(policy.afterFailure(new IOException("x"), 7)).as("a redelivery past the limit too").isInstanceOf(RetryPolicy.GiveUp.class);
    }

    @Test
    void aReasonIsOneLine() {
        assertThat(RetryPolicy.describe(new IOException("line one\nline two"))).isEqualTo("IOException: line one line two");
        assertThat(RetryPolicy.describe(new NullPointerException())).isEqualTo("NullPointerException");
    }
}
