package io.audiopipeline.unpack;

import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.db.IgnoredEntryRepository;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.MalformedJobException;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a converted batch to the GPU worker: every recording's row (pending, or failed with its reason) and
 * the total in one transaction ({@link BatchLedger#handOff}), then one transcription job per file still
 * pending, each published once per batch and file. A redelivered hand-off writes nothing twice and
 * publishes nothing twice; one run again from the rows alone (no manifest) publishes what is pending.
 */
final class HandOff {
    private static final Logger log = LoggerFactory.getLogger(HandOff.class);

    private final BatchLedger ledger;
    private final EventLog events;
    private final JobPublisher publisher;
    private final JobCodec codec;
    private final String node;

    HandOff(BatchLedger ledger, EventLog events, JobPublisher publisher, JobCodec codec, String node) {
        this.ledger = ledger;
        this.events = events;
        this.publisher = publisher;
        this.codec = codec;
        this.node = node;
    }

    /**
     * {@code fresh}: the files were converted just now, so every pending file's job is published (a batch
     * unpacked again after its scratch dir was lost has files whose earlier jobs are marked published); a
     * hand-off resumed from its manifest publishes only what it had not published yet.
     */
    void handOff(UnpackJob job, Manifest manifest, boolean fresh) throws IOException, SQLException {
        String batchId = job.batchId();
        List<BatchLedger.FileEntry> entries = new ArrayList<>();
        for (Recording r : manifest.recordings()) {
            String refused = r.converted() ? refusal(batchId, r) : null;
            if (refused != null) {
                log.warn("{}; the batch goes on without it", refused);
                Files.deleteIfExists(Path.of(r.opusPath()));
            }
            String failure = r.converted() ? refused : r.error();
            entries.add(new BatchLedger.FileEntry(r.originalFilename(), r.opusPath(), r.sha256(), r.durationSeconds(), failure));
        }
        int failures = (int) entries.stream().filter(e -> e.failure() != null).count();
        // the archive's ignored entries and the audit event in the hand-off's own transaction
        BatchLedger.HandOffResult result = ledger.handOff(batchId, job.s3Key(), node, entries, h -> {
            IgnoredEntryRepository.record(h, batchId, manifest.ignored());
            events.record(h, batchId, null, "unpacked", entries.size() + " recordings, " + failures + " failed to convert or hand off, "
                    + manifest.ignored().size() + " other entries ignored; jobs of the pending files go to " + QueueKeys.transcribe(node).main());
        });
        Set<String> pending = new HashSet<>();
        result.pending().forEach(p -> pending.add(p.name()));
        int alreadyDone = 0;
        for (Recording r : manifest.recordings()) {
            if (r.converted() && !pending.contains(r.originalFilename()) && Files.deleteIfExists(Path.of(r.opusPath()))) {
                alreadyDone++; // a batch unpacked again after its node was lost: files settled before are not redone
            }
        }
        int enqueued = publish(batchId, result.pending(), fresh);
        long failed = result.counts().failed();
        long total = result.counts().total() == null ? 0 : result.counts().total();
        log.info("hand-off: {} recordings, {} failed, {} new transcription jobs on {}, {} other entries ignored{}", total, failed, enqueued,
                QueueKeys.transcribe(node).main(), manifest.ignored().size(), alreadyDone > 0 ? ", " + alreadyDone + " already done before" : "");
    }

    private int publish(String batchId, List<BatchLedger.PendingFile> files, boolean again) {
        List<Map.Entry<String, String>> jobs = new ArrayList<>();
        for (BatchLedger.PendingFile p : files) {
            TranscriptionJob next = new TranscriptionJob(batchId, p.opusPath(), p.name(), p.sha256(), p.durationSeconds());
            jobs.add(Map.entry(p.name(), codec.encode(next)));
        }
        return again ? publisher.republish(QueueKeys.transcribe(node), batchId, jobs) : publisher.publishAllOnce(QueueKeys.transcribe(node), batchId, jobs);
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
