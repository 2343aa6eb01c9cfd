package io.audiopipeline.unpack;

import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.db.IgnoredEntryRepository;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.MalformedJobException;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    private final BatchLedger ledger;
    private final BatchRepository batches;
    private final AudioFileRepository files;
    private final EventLog events;
    private final JobPublisher publisher;
    private final JobCodec codec;
    private final IgnoredEntryRepository ignoredEntries;
    private final String node;

    HandOff(BatchLedger ledger, BatchRepository batches, AudioFileRepository files, IgnoredEntryRepository ignoredEntries, EventLog events,
            JobPublisher publisher, JobCodec codec, String node) {
        this.ignoredEntries = ignoredEntries;
        this.ledger = ledger;
        this.batches = batches;
        this.files = files;
        this.events = events;
        this.publisher = publisher;
        this.codec = codec;
        this.node = node;
    }

    void handOff(UnpackJob job, Manifest manifest) throws IOException, SQLException {
        String batchId = job.batchId();
        ignoredEntries.record(batchId, manifest.ignored());
        BatchLedger.HandOff counts = ledger.handOff(batchId);
        Set<String> failedNames = new HashSet<>();
        for (Recording r : manifest.recordings()) {
            String refused = r.converted() ? refusal(batchId, r) : null;
            if (!r.converted() || refused != null) {
                failedNames.add(r.originalFilename());
                String reason = r.converted() ? refused : r.error();
                AudioFileRecord row = files.markFailed(batchId, r.originalFilename(), reason);
                events.record(batchId, row.audioId(), r.converted() ? "handoff_failed" : "conversion_failed", reason);
                counts.failed(r.originalFilename());
                if (r.converted()) {
                    log.warn("{}; the batch goes on without it", reason);
                    java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(r.opusPath()));
                }
            }
        }
        int total = manifest.recordings().size();
        int failed = failedNames.size();
        counts.open(total, job.s3Key(), node);
        batches.markUnpacked(batchId, total, failed, node);
        QueueKeys queue = QueueKeys.transcribe(node);
        List<Recording> toPublish = manifest.recordings().stream().filter(r -> !failedNames.contains(r.originalFilename())).toList();
        Set<String> counted = ledger.countedAmong(batchId, toPublish.stream().map(Recording::originalFilename).toList());
        List<Map.Entry<String, String>> jobs = new ArrayList<>();
        int alreadyDone = 0;
        for (Recording r : toPublish) {
            if (counted.contains(r.originalFilename())) {
                // a batch re-unpacked after its node was lost: files counted before are not redone
                java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(r.opusPath()));
                alreadyDone++;
            } else {
                TranscriptionJob next = new TranscriptionJob(batchId, r.opusPath(), r.originalFilename(), r.sha256(), r.durationSeconds());
                jobs.add(Map.entry(r.originalFilename(), codec.encode(next)));
            }
        }
        int enqueued = publisher.publishAllOnce(queue, batchId, jobs);
        events.record(batchId, null, "unpacked", total + " recordings, " + failed + " failed, " + enqueued
                + " transcription jobs enqueued on " + queue.main() + ", " + manifest.ignored().size() + " other entries ignored");
        log.info("hand-off: {} recordings, {} failed, {} new transcription jobs on {}, {} other entries ignored{}", total, failed, enqueued,
                queue.main(), manifest.ignored().size(), alreadyDone > 0 ? ", " + alreadyDone + " already done before" : "");
        counts.finish();
    }

    /**
     * Why the transcription job of a converted recording cannot be published, or null when it can: the
     * job's own validation decides (one limit, shared with the worker that decodes it), so no job is
     * ever published that its consumer would refuse and leave the batch short of its total.
     */
    private static String refusal(String batchId, Recording r) {
        try {
            new TranscriptionJob(batchId, r.opusPath(), r.originalFilename(), r.sha256(), r.durationSeconds()).validate();
            return null;
        } catch (MalformedJobException e) {
            String name = r.originalFilename();
            return "cannot hand off '" + (name.length() <= 100 ? name : name.substring(0, 100) + "...") + "': " + e.getMessage();
        }
    }
}
