package io.audiopipeline.common.batch;

/** A batch's counters as Redis holds them; {@code total} is null until the unpack worker sets it. */
public record BatchCounts(String batchId, Long total, long processed, long failed, String s3Key, String node, boolean completed) {
    public boolean exists() {
        return total != null || processed > 0 || failed > 0 || s3Key != null;
    }
}
