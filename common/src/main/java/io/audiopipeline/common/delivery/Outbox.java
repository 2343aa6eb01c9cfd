package io.audiopipeline.common.delivery;

import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Writes result events into the outbox, inside the caller's transaction: an event exists exactly when the
 * change it announces committed. The caller locks the batch row first ({@link #lockBatch}) and then makes
 * its change only if it is a change; the event's per-batch sequence number is taken under that lock, so a
 * batch's events are numbered without gaps in the order they commit.
 */
public final class Outbox {
    public static final String FILE_PROCESSED = "file.processed";
    public static final String FILE_FAILED = "file.failed";
    public static final String BATCH_COMPLETED = "batch.completed";
    public static final String BATCH_FAILED = "batch.failed";
    public static final String BATCH_STUCK = "batch.stuck";
    /** The PostgreSQL channel a committed event is announced on. */
    public static final String CHANNEL = "audio_pipeline_outbox";

    private Outbox() {
    }

    /** Locks the batch's row until the transaction ends (serialising the batch's event-writing changes); false when there is no such batch. */
    public static boolean lockBatch(Handle h, String batchId) {
        return h.createQuery("SELECT 1 FROM batches WHERE batch_id = :id FOR UPDATE").bind("id", batchId).mapTo(Integer.class)
                .findOne().isPresent();
    }

    /** Appends one event with its data (a JSON object); returns its id. */
    public static UUID append(Handle h, String batchId, UUID audioId, String type, String dataJson) {
        UUID id = UUID.randomUUID();
        h.createUpdate("WITH s AS (UPDATE batches SET outbox_seq = outbox_seq + 1 WHERE batch_id = :batch RETURNING outbox_seq) "
                        + "INSERT INTO outbox (event_id, batch_id, seq, type, audio_id, data) "
                        + "SELECT :id, :batch, outbox_seq, :type, :audio, :data::jsonb FROM s")
                .bind("id", id).bind("batch", batchId).bind("type", type).bind("audio", audioId).bind("data", dataJson).execute();
        // wakes the relay when the transaction commits (never before: a rolled-back event wakes nobody). Only
        // when no other event waits: a relay with events to send is busy and passes again without being woken,
        // so a busy pipeline does not make the relay's session read one notification per event; and a relay
        // that missed one still looks every RELAY_POLL_INTERVAL
        h.createQuery("SELECT pg_notify('" + CHANNEL + "', '') WHERE NOT EXISTS "
                + "(SELECT 1 FROM outbox WHERE published_at IS NULL AND event_id <> :id)").bind("id", id).mapTo(String.class).findOne();
        return id;
    }
}
