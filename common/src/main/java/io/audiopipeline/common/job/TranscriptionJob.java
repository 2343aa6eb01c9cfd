package io.audiopipeline.common.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A job on {@code queue:transcribe:<node>}: one Opus file in the node's scratch dir. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TranscriptionJob(
        @JsonProperty(value = "batch_id", required = true) String batchId,
        @JsonProperty(value = "opus_path", required = true) String opusPath,
        @JsonProperty(value = "original_filename", required = true) String originalFilename,
        @JsonProperty("sha256") String sha256,
        @JsonProperty("duration_seconds") Double durationSeconds) implements Job {
    /**
     * The longest {@code original_filename}, in characters: well above what tar and zip writers produce
     * (a 4,096-byte path limit), and small enough that an encoded job stays far below
     * {@link JobCodec#MAX_PAYLOAD_CHARS} even with every character escaped.
     */
    public static final int MAX_ORIGINAL_FILENAME_CHARS = 8192;

    @Override
    public void validate() throws MalformedJobException {
        JobFields.batchId(batchId);
        JobFields.text("opus_path", opusPath, 4096);
        JobFields.text("original_filename", originalFilename, MAX_ORIGINAL_FILENAME_CHARS);
        JobFields.sha256(sha256);
        if (durationSeconds != null && (durationSeconds < 0 || durationSeconds.isNaN() || durationSeconds.isInfinite())) {
            throw new MalformedJobException("duration_seconds must be a non-negative number, got " + durationSeconds);
        }
    }
}
