package io.audiopipeline.common.batch;

import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.MalformedJobException;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batch handed off by the release before PostgreSQL became the record (no pending rows, counts in
 * Redis only), found by the new workers during a rolling upgrade: the jobs that release published (kept
 * in Redis with their payloads) become the batch's rows, once ({@link BatchLedger#adopt}).
 */
public final class LegacyHandOff {
    private static final Logger log = LoggerFactory.getLogger(LegacyHandOff.class);

    private final BatchRepository batches;
    private final JobPublisher publisher;
    private final JobCodec codec;
    private final BatchLedger ledger;

    public LegacyHandOff(BatchRepository batches, JobPublisher publisher, JobCodec codec, BatchLedger ledger) {
        this.batches = batches;
        this.publisher = publisher;
        this.codec = codec;
        this.ledger = ledger;
    }

    /** Returns true when the batch was adopted now. */
    public boolean adopt(String batchId) throws SQLException, IOException {
        Optional<BatchRecord> row = batches.find(batchId);
        if (row.isEmpty() || row.get().handedOffAt() != null || !"transcribing".equals(row.get().status()) || row.get().node() == null) {
            return false;
        }
        Map<String, String> published = publisher.publishedJobs(QueueKeys.transcribe(row.get().node()), batchId);
        List<BatchLedger.FileEntry> entries = new ArrayList<>();
        for (Map.Entry<String, String> e : published.entrySet()) {
            try {
                TranscriptionJob job = codec.decode(e.getValue(), TranscriptionJob.class);
                if (job.batchId().equals(batchId) && job.originalFilename().equals(e.getKey())) {
                    entries.add(new BatchLedger.FileEntry(e.getKey(), job.opusPath(), job.sha256(), job.durationSeconds(), null));
                }
            } catch (MalformedJobException bad) {
                log.warn("batch {}: the published job of one file cannot be read ({}); it is not adopted", batchId, bad.getMessage());
            }
        }
        boolean adopted = ledger.adopt(batchId, entries);
        if (adopted) {
            log.info("batch {} was handed off by an earlier release: {} published jobs recorded as its files", batchId, entries.size());
        }
        return adopted;
    }
}
