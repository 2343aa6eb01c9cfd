package io.audiopipeline.common.archive;

import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.storage.StoredObject;
import io.audiopipeline.common.storage.TransferProgress;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;

/**
 * Puts a local archive into the pipeline under a batch id: upload to {@code archives/<batch_id><ext>}
 * (verified), the {@code batches} row and its event, then the unpack job on {@code queue:unpack}.
 * Every step is idempotent for the same batch id, so a publisher that crashed simply runs again:
 * the upload is skipped when the object is intact, the row is kept, and the job is enqueued once.
 * The transfer worker and {@code pipeline enqueue} both publish through here.
 */
public final class ArchivePublisher {
    private final ObjectStore store;
    private final BatchRepository batches;
    private final EventLog events;
    private final JobPublisher publisher;
    private final JobCodec codec;
    private final Clock clock;

    public ArchivePublisher(ObjectStore store, BatchRepository batches, EventLog events, JobPublisher publisher,
                            JobCodec codec, Clock clock) {
        this.store = store;
        this.batches = batches;
        this.events = events;
        this.publisher = publisher;
        this.codec = codec;
        this.clock = clock;
    }

    public String keyFor(String batchId, String originalFilename) {
        return store.config().archivePrefix() + batchId + ArchiveNames.extension(originalFilename);
    }

    public UnpackJob publish(String batchId, Path archive, String originalFilename, TransferProgress progress)
            throws IOException, SQLException {
        return publishUploaded(batchId, store.upload(archive, keyFor(batchId, originalFilename), progress), originalFilename);
    }

    /** Publishes an archive already in the store at {@link #keyFor} (uploaded and verified by the caller): the row, then the job. */
    public UnpackJob publishUploaded(String batchId, StoredObject stored, String originalFilename) throws SQLException {
        String key = stored.key();
        UnpackJob job = new UnpackJob(batchId, key, originalFilename, clock.instant(), stored.sizeBytes(), stored.sha256());
        if (batches.insertIfAbsent(batchId, key, originalFilename, stored.sha256(), stored.sizeBytes(), job.transferredAt())) {
            events.record(batchId, null, "archive_uploaded", key + " (" + stored.sizeBytes() + " bytes, sha256 " + stored.sha256() + ")");
        }
        if (publisher.publishOnce(QueueKeys.unpack(), batchId, batchId, codec.encode(job))) {
            events.record(batchId, null, "unpack_enqueued", originalFilename);
        }
        return job;
    }
}
