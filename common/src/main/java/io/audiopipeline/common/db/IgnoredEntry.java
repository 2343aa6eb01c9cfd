package io.audiopipeline.common.db;

import com.fasterxml.jackson.annotation.JsonProperty;

/** An archive entry that is not a recording, and why (OS metadata, not audio, a link). */
public record IgnoredEntry(@JsonProperty("name") String name, @JsonProperty("reason") String reason) {
}
