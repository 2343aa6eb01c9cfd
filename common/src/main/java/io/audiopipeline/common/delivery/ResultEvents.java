package io.audiopipeline.common.delivery;

import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The data of each result event, read inside the transaction that makes the change, so it is the state
 * that committed: what a downstream system needs without querying us back.
 */
public final class ResultEvents {
    private ResultEvents() {
    }

    /** {@code file.processed}: the recording, its Opus object, its transcript's summary and its labels. */
    public static void fileProcessed(Handle h, String batchId, UUID audioId) {
        String data = h.createQuery("SELECT jsonb_build_object('batch_id', f.batch_id, 'audio_id', f.audio_id, "
                        + "'original_filename', f.original_filename, 'opus_s3_key', f.s3_key, 'opus_sha256', f.sha256, 'size_bytes', f.size_bytes, "
                        + "'language', t.language, 'duration_seconds', coalesce(t.duration_seconds, f.duration_seconds), "
                        + "'transcript_id', t.audio_id, 'text_length', length(t.text), 'no_speech', f.no_speech, "
                        + "'labels', coalesce((SELECT jsonb_agg(jsonb_build_object('policy', p.name, 'policy_version', l.policy_sha256, "
                        + "'model', l.model, 'status', l.status, 'label', l.label, 'score', l.score) ORDER BY p.name, l.model) "
                        + "FROM transcript_labels l JOIN policies p USING (policy_sha256) WHERE l.audio_id = f.audio_id), '[]'::jsonb))::text "
                        + "FROM audio_files f LEFT JOIN transcripts t ON t.audio_id = f.audio_id WHERE f.audio_id = :id")
                .bind("id", audioId).mapTo(String.class).one();
        Outbox.append(h, batchId, audioId, Outbox.FILE_PROCESSED, data);
    }

    /** {@code file.failed}: the recording and why. */
    public static void fileFailed(Handle h, String batchId, UUID audioId) {
        String data = h.createQuery("SELECT jsonb_build_object('batch_id', batch_id, 'audio_id', audio_id, 'original_filename', original_filename, "
                        + "'reason', error)::text FROM audio_files WHERE audio_id = :id")
                .bind("id", audioId).mapTo(String.class).one();
        Outbox.append(h, batchId, audioId, Outbox.FILE_FAILED, data);
    }

    /** {@code batch.completed}: counts, timings and the archive's key. */
    public static void batchCompleted(Handle h, String batchId) {
        Outbox.append(h, batchId, null, Outbox.BATCH_COMPLETED, batchSummary(h, batchId, "NULL"));
    }

    /** {@code batch.failed}: a batch that can no longer complete (its archive cannot be unpacked), and why. */
    public static void batchFailed(Handle h, String batchId) {
        Outbox.append(h, batchId, null, Outbox.BATCH_FAILED, batchSummary(h, batchId, "NULL"));
    }

    /** {@code batch.stuck}: a batch that stopped progressing, with how long it has been idle. */
    public static void batchStuck(Handle h, String batchId, double idleSeconds) {
        Outbox.append(h, batchId, null, Outbox.BATCH_STUCK, batchSummary(h, batchId, Double.toString(idleSeconds)));
    }

    private static String batchSummary(Handle h, String batchId, String idleSeconds) {
        return h.createQuery("SELECT jsonb_build_object('batch_id', b.batch_id, 'status', b.status, 'archive_s3_key', b.s3_key, "
                        + "'archive_filename', b.original_filename, 'archive_sha256', b.sha256, 'node', b.node, 'total_files', b.total_files, "
                        + "'processed_files', b.processed_files, 'failed_files', b.failed_files, "
                        + "'ignored_entries', b.ignored_entries, 'error', b.error, 'created_at', b.created_at, 'unpacked_at', b.unpacked_at, "
                        + "'completed_at', b.completed_at, "
                        + "'seconds_to_complete', extract(epoch FROM b.completed_at - b.created_at), 'idle_seconds', " + idleSeconds + "::float8)::text "
                        + "FROM batches b WHERE b.batch_id = :id")
                .bind("id", batchId).mapTo(String.class).one();
    }
}
