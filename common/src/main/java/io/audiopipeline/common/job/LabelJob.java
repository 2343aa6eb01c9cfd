package io.audiopipeline.common.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.UUID;

/**
 * A job on {@code queue:label}: label one stored transcript against one policy version, text only (any
 * node's GPU worker may take it). {@code batch_id} is the recording's batch: the job is refused unless
 * the recording belongs to it.
 */
public record LabelJob(
        @JsonProperty(value = "batch_id", required = true) String batchId,
        @JsonProperty(value = "audio_id", required = true) String audioId,
        @JsonProperty(value = "policy_sha256", required = true) String policySha256) implements Job {

    @Override
    public void validate() throws MalformedJobException {
        JobFields.batchId(batchId);
        JobFields.text("audio_id", audioId, 36);
        try {
            UUID.fromString(audioId);
        } catch (IllegalArgumentException e) {
            throw new MalformedJobException("audio_id must be a UUID, got " + audioId);
        }
        if (policySha256 == null) {
            throw new MalformedJobException("policy_sha256 is required");
        }
        JobFields.sha256(policySha256);
    }

    public UUID audioUuid() {
        return UUID.fromString(audioId);
    }
}
