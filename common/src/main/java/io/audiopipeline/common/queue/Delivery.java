package io.audiopipeline.common.queue;

/** One delivery of a job to this worker; {@code attempt} counts deliveries, the first is 1. */
public record Delivery(String payload, int attempt) {
}
