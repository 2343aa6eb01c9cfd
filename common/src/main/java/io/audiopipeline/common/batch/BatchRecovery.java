package io.audiopipeline.common.batch;

import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.storage.ObjectStore;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A batch whose converted files are lost (its node gone, its scratch volume wiped) is unpacked again from
 * its kept archive, as {@code pipeline recover} does: its unpack job goes back on {@code queue:unpack} for any
 * node; the hand-off that follows publishes only the files still pending (settled ones are not redone).
 */
public final class BatchRecovery {
    private final BatchRepository batches;
    private final ObjectStore store;
    private final JobPublisher publisher;
    private final JobCodec codec;
    private final EventLog events;
    private final Clock clock;

    public BatchRecovery(BatchRepository batches, ObjectStore store, JobPublisher publisher, JobCodec codec, EventLog events, Clock clock) {
        this.batches = batches;
        this.store = store;
        this.publisher = publisher;
        this.codec = codec;
        this.events = events;
        this.clock = clock;
    }

    /** Re-queues the batch's unpack job; returns why it cannot be (no such batch, completed, archive gone), or empty when it was. */
    public Optional<String> request(String batchId, String why) throws SQLException {
        Optional<BatchRecord> row = batches.find(batchId);
        if (row.isEmpty()) {
            return Optional.of("no batch " + batchId + " in the database");
        }
        BatchRecord b = row.get();
        if ("completed".equals(b.status())) {
            return Optional.of("batch " + batchId + " is already complete");
        }
        if (!store.exists(b.s3Key())) {
            return Optional.of("the archive " + b.s3Key() + " is no longer in S3 (ARCHIVE_RETENTION or a lifecycle rule)");
        }
        UnpackJob job = new UnpackJob(batchId, b.s3Key(), b.originalFilename(), clock.instant(), b.sizeBytes(), b.sha256());
        publisher.republish(QueueKeys.unpack(), batchId, List.of(Map.entry(batchId, codec.encode(job))));
        events.record(batchId, null, "recover_requested", why + "; unpack job re-queued");
        return Optional.empty();
    }
}
