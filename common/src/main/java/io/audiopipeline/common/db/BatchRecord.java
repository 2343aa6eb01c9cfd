package io.audiopipeline.common.db;

import java.time.Instant;

/** A row of {@code batches}. */
public record BatchRecord(String batchId, String s3Key, String originalFilename, String sha256, Long sizeBytes,
                          String node, String status, Integer totalFiles, int processedFiles, int failedFiles,
                          String error, Instant transferredAt, Instant createdAt, Instant unpackedAt,
                          Instant completedAt, Instant updatedAt, int ignoredEntries, Instant handedOffAt,
                          Instant finalizedAt, String claimedBy) {
}
