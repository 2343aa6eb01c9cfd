package io.audiopipeline.gpu;

import io.audiopipeline.common.batch.LegacyHandOff;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.worker.PermanentJobException;
import io.audiopipeline.common.worker.WorkerStatus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import redis.clients.jedis.UnifiedJedis;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Whether a transcription job is one its batch's hand-off recorded: a row of the batch with the same file
 * name, at the same path (PostgreSQL's record, not Redis's). Anything else (an invented name, a sibling's
 * path under a new name, a job for another node's batch) is refused before any row, counter or file is
 * touched, so {@code processed + failed} can never exceed {@code total}, whatever is pushed to the queue.
 * A batch an older release handed off (no rows yet) is adopted first ({@link LegacyHandOff}).
 */
final class Publication {
    private final AudioFileRepository files;
    private final LegacyHandOff legacy;
    private final String queueName;
    private final String workerId;
    private final UnifiedJedis redis;
    private final QueueKeys queue;
    private final ObjectMapper json = new ObjectMapper();

    Publication(AudioFileRepository files, LegacyHandOff legacy, UnifiedJedis redis, QueueKeys queue, String workerId) {
        this.files = files;
        this.legacy = legacy;
        this.redis = redis;
        this.queue = queue;
        this.queueName = queue.main();
        this.workerId = workerId;
    }

    /**
     * The job's claim on its row (one more attempt, held by this worker); refused when the hand-off recorded no
     * such file. Empty when another live worker holds the same file (a copy of its job, which a Redis restored
     * from an older snapshot can hand out again): this copy does nothing, so no file is transcribed twice.
     */
    Optional<AudioFileRecord> claim(TranscriptionJob job) throws SQLException, IOException, PermanentJobException {
        Optional<AudioFileRepository.Claim> claim = files.claim(job.batchId(), job.originalFilename(), job.opusPath(), workerId);
        if (claim.isEmpty() && legacy.adopt(job.batchId())) {
            claim = files.claim(job.batchId(), job.originalFilename(), job.opusPath(), workerId);
        }
        if (claim.isEmpty()) {
            throw new PermanentJobException(refusal(job, files.find(job.batchId(), job.originalFilename())));
        }
        AudioFileRepository.Claim c = claim.get();
        String holder = c.previousHolder();
        if ("transcribing".equals(c.previousStatus()) && holder != null && !holder.equals(workerId)
                && heldBy(holder, WorkerStatus.identity(job.batchId(), job.originalFilename()))) {
            files.restoreClaim(c.row().audioId(), holder);
            return Optional.empty();
        }
        return Optional.of(c.row());
    }

    /** Whether {@code worker} lives and its heartbeat lists the job among those it holds. */
    private boolean heldBy(String worker, String identity) {
        String beat = redis.get(queue.heartbeat(worker));
        if (beat == null) {
            return false;
        }
        try {
            for (JsonNode held : json.readTree(beat).path("holds")) {
                if (held.asText().equals(identity)) {
                    return true;
                }
            }
        } catch (IOException unreadable) {
            return false;
        }
        return false;
    }

    /** Null for a job its hand-off recorded; otherwise why it is refused. */
    String refusal(TranscriptionJob job) throws SQLException {
        return refusal(job, files.find(job.batchId(), job.originalFilename()));
    }

    private String refusal(TranscriptionJob job, Optional<AudioFileRecord> row) {
        if (row.isEmpty() || row.get().opusPath() == null) {
            return "'" + shorten(job.originalFilename()) + "' is not a file the hand-off of batch " + job.batchId() + " published on "
                    + queueName + ": refused, nothing counted";
        }
        if (!row.get().opusPath().equals(job.opusPath())) {
            return "'" + shorten(job.originalFilename()) + "' of batch " + job.batchId() + " was published at " + row.get().opusPath()
                    + ", not at " + job.opusPath() + ": refused, nothing counted";
        }
        return null;
    }

    private static String shorten(String name) {
        return name.length() <= 200 ? name : name.substring(0, 200) + "...";
    }
}
