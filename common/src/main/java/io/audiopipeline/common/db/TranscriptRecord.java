package io.audiopipeline.common.db;

import java.util.UUID;

/** A row of {@code transcripts}; {@code segmentsJson} is the bridge's segments array (with words). */
public record TranscriptRecord(UUID audioId, String language, String text, String segmentsJson, String engine,
                               String engineVersion, String model, Double durationSeconds, double processingSeconds,
                               Double realtimeFactor) {
}
