package io.audiopipeline.common.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/** One row of the outbox, with where it went so far. */
public record OutboxEvent(UUID eventId, String batchId, long seq, String type, UUID audioId, String dataJson, Instant createdAt,
                          Instant queuePublishedAt, Instant webhookDeliveredAt, int webhookAttempts, Instant webhookNextAt,
                          Instant webhookDeadAt, String webhookError, Instant publishedAt) {

    public static final String COLUMNS = "event_id, batch_id, seq, type, audio_id, data::text AS data_json, created_at, queue_published_at, "
            + "webhook_delivered_at, webhook_attempts, webhook_next_at, webhook_dead_at, webhook_error, published_at";

    /** The event as published: {@code {"id","type","batch_id","seq","audio_id","created_at","data"}}. */
    public String envelope(ObjectMapper json) {
        try {
            ObjectNode e = json.createObjectNode().put("id", eventId.toString()).put("type", type).put("batch_id", batchId).put("seq", seq);
            e.put("audio_id", audioId == null ? null : audioId.toString());
            e.put("created_at", createdAt.toString());
            e.set("data", json.readTree(dataJson));
            return json.writeValueAsString(e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
