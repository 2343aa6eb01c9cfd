package io.audiopipeline.gpu;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/** One answer line of the bridge protocol. */
@JsonIgnoreProperties(ignoreUnknown = true)
record BridgeAnswer(@JsonProperty("id") String id,
                    @JsonProperty("ok") boolean ok,
                    @JsonProperty("language") String language,
                    @JsonProperty("duration") Double duration,
                    @JsonProperty("segments") JsonNode segments,
                    @JsonProperty("engine") String engine,
                    @JsonProperty("model") String model,
                    @JsonProperty("error") String error,
                    @JsonProperty("retryable") boolean retryable) {

    /** The full text: the segments' texts joined with spaces. */
    String text() {
        StringBuilder text = new StringBuilder();
        if (segments != null) {
            for (JsonNode segment : segments) {
                String part = segment.path("text").asText("").strip();
                if (!part.isEmpty()) {
                    text.append(text.length() == 0 ? "" : " ").append(part);
                }
            }
        }
        return text.toString();
    }
}
