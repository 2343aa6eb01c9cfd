package io.audiopipeline.common.queue;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.UUID;

/**
 * An entry of {@code queue:<q>:dead}: a stable id (retry and purge name it, never a position in the list),
 * the original payload, verbatim, and why it failed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(
        @JsonProperty("id") String id,
        @JsonProperty("queue") String queue,
        @JsonProperty("payload") String payload,
        @JsonProperty("error") String error,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("worker") String worker,
        @JsonProperty("failed_at") Instant failedAt) {

    /** A new entry with a fresh id. */
    public static DeadLetter of(String queue, String payload, String error, int attempts, String worker, Instant failedAt) {
        return new DeadLetter(UUID.randomUUID().toString(), queue, payload, error, attempts, worker, failedAt);
    }

    DeadLetter withId(String newId) {
        return new DeadLetter(newId, queue, payload, error, attempts, worker, failedAt);
    }
}
