package io.audiopipeline.common.queue;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/** An entry of {@code queue:<q>:dead}: the original payload, verbatim, and why it failed. */
public record DeadLetter(
        @JsonProperty("queue") String queue,
        @JsonProperty("payload") String payload,
        @JsonProperty("error") String error,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("worker") String worker,
        @JsonProperty("failed_at") Instant failedAt) {
}
