package io.audiopipeline.common.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/** A job on {@code queue:unpack}: one archive in S3 to unpack and convert. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UnpackJob(
        @JsonProperty(value = "batch_id", required = true) String batchId,
        @JsonProperty(value = "s3_key", required = true) String s3Key,
        @JsonProperty(value = "original_filename", required = true) String originalFilename,
        @JsonProperty(value = "transferred_at", required = true) Instant transferredAt,
        @JsonProperty("size_bytes") Long sizeBytes,
        @JsonProperty("sha256") String sha256) implements Job {

    @Override
    public void validate() throws MalformedJobException {
        JobFields.batchId(batchId);
        JobFields.text("s3_key", s3Key, 1024);
        JobFields.text("original_filename", originalFilename, 1024);
        JobFields.present("transferred_at", transferredAt);
        if (sizeBytes != null && sizeBytes < 0) {
            throw new MalformedJobException("size_bytes must not be negative, got " + sizeBytes);
        }
        JobFields.sha256(sha256);
    }
}
