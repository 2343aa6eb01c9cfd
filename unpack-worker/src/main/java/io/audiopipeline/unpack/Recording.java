package io.audiopipeline.unpack;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One recording of a batch as the manifest keeps it: its path inside the archive, and either its
 * converted Opus file (with SHA-256 and duration) or the reason it failed.
 */
record Recording(@JsonProperty("original_filename") String originalFilename,
                 @JsonProperty("opus_path") String opusPath,
                 @JsonProperty("sha256") String sha256,
                 @JsonProperty("duration_seconds") Double durationSeconds,
                 @JsonProperty("error") String error) {
    boolean converted() {
        return error == null;
    }
}
