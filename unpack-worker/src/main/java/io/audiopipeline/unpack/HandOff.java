package io.audiopipeline.unpack;

import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.batch.Outcome;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import java.io.IOException;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a converted batch to the GPU worker: failed recordings recorded and counted, the batch keys
 * set, the row updated, one transcription job per converted file. Every step is idempotent, and the
 * whole hand-off is re-run from the manifest by a redelivered job: counters are never reset (the total
 * is set once) and no file is enqueued twice (each job is published once per batch and file).
 */
final class HandOff {
    private static final Logger log = LoggerFactory.getLogger(HandOff.class);

    private final BatchTracker tracker;
    private final BatchRepository batches;
    private final AudioFileRepository files;
    private final EventLog events;
    private final JobPublisher publisher;
    private final BatchCompletion completion;
    private final JobCodec codec;
    private final String node;

    HandOff(BatchTracker tracker, BatchRepository batches, AudioFileRepository files, EventLog events, JobPublisher publisher,
            BatchCompletion completion, JobCodec codec, String node) {
        this.tracker = tracker;
        this.batches = batches;
        this.files = files;
        this.events = events;
        this.publisher = publisher;
        this.completion = completion;
        this.codec = codec;
        this.node = node;
    }

    void handOff(UnpackJob job, Manifest manifest) throws IOException, SQLException {
        String batchId = job.batchId();
        boolean completed = false;
        for (Recording r : manifest.recordings()) {
            if (!r.converted()) {
                AudioFileRecord row = files.markFailed(batchId, r.originalFilename(), r.error());
                events.record(batchId, row.audioId(), "conversion_failed", r.error());
                completed |= tracker.recordFailed(batchId, r.originalFilename()) == Outcome.COMPLETED;
            }
        }
        int total = manifest.recordings().size();
        completed |= tracker.initialize(batchId, total, job.s3Key(), node);
        batches.markUnpacked(batchId, total, (int) manifest.failed(), node);
        QueueKeys queue = QueueKeys.transcribe(node);
        int enqueued = 0;
        int alreadyDone = 0;
        for (Recording r : manifest.recordings()) {
            if (r.converted() && tracker.isCounted(batchId, r.originalFilename())) {
                // a batch re-unpacked after its node was lost: files counted before are not redone
                java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(r.opusPath()));
                alreadyDone++;
            } else if (r.converted()) {
                TranscriptionJob next = new TranscriptionJob(batchId, r.opusPath(), r.originalFilename(), r.sha256(), r.durationSeconds());
                if (publisher.publishOnce(queue, batchId, r.originalFilename(), codec.encode(next))) {
                    enqueued++;
                }
            }
        }
        events.record(batchId, null, "unpacked", total + " recordings, " + manifest.failed() + " failed, " + enqueued
                + " transcription jobs enqueued on " + queue.main() + ", " + manifest.ignoredFiles() + " other files ignored");
        log.info("hand-off: {} recordings, {} failed to convert, {} new transcription jobs on {}{}", total, manifest.failed(), enqueued,
                queue.main(), alreadyDone > 0 ? ", " + alreadyDone + " already done before" : "");
        if (completed) {
            completion.complete(batchId);
        }
    }
}
