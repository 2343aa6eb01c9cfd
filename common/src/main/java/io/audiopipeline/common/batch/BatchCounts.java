package io.audiopipeline.common.batch;

/**
 * A batch's counts as its PostgreSQL row keeps them (or as the Redis mirror shows them); {@code total} is
 * null until the hand-off sets it.
 */
public record BatchCounts(String batchId, Long total, long processed, long failed, String s3Key, String node, boolean completed) {
    public boolean exists() {
        return total != null || processed > 0 || failed > 0 || s3Key != null;
    }

    /** Whether every file is settled: the moment the batch completes. */
    public boolean done() {
        return total != null && processed + failed >= total;
    }
}
