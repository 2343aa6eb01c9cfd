package io.audiopipeline.common.queue;

/** A queue's counts for monitoring. */
public record QueueStats(String queue, long waiting, long inFlight, long delayed, long dead, long workers) {
}
