package io.audiopipeline.common.db;

import java.time.Instant;
import java.util.UUID;

/** A row of {@code audio_files}. */
public record AudioFileRecord(UUID audioId, String batchId, String originalFilename, String s3Key, String sha256,
                              Long sizeBytes, Double durationSeconds, String status, String error, int attempts,
                              Instant createdAt, Instant updatedAt, boolean noSpeech, String opusPath, String claimedBy) {
    public boolean completed() {
        return "completed".equals(status);
    }

    /** Settled for good: processed or failed. */
    public boolean settled() {
        return completed() || "failed".equals(status);
    }
}
