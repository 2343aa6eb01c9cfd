package io.audiopipeline.common.batch;

/**
 * A batch's counts as its PostgreSQL row keeps them (or as the Redis mirror shows them); {@code total} is
 * null until the hand-off sets it.
 */
public record BatchCounts(String batchId, Long total, long processed, long failed, String s3Key, String node, boolean completed) {
    public boolean exists() {
        return total != null || processed > 0 || failed > 0 || s3Key != null;
    }

    /** The same total, counts, archive key and node (what the Redis keys mirror; {@code completed} is not mirrored). */
    public boolean sameAs(BatchCounts other) {
        return java.util.Objects.equals(total, other.total) && processed == other.processed && failed == other.failed
                && java.util.Objects.equals(s3Key, other.s3Key) && java.util.Objects.equals(node, other.node);
    }
}
