package io.audiopipeline.common.batch;

import io.audiopipeline.common.archive.ArchiveNames;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the one worker that completed a batch does: remove the batch's scratch dir, mark the batch
 * completed with its counts, apply ARCHIVE_RETENTION, and finalize the keys (TTL). Every step is
 * idempotent, so a completion interrupted by a crash is simply run again by the redelivered job.
 */
public final class BatchCompletion {
    private static final Logger log = LoggerFactory.getLogger(BatchCompletion.class);

    private final BatchTracker tracker;
    private final BatchRepository batches;
    private final EventLog events;
    private final ObjectStore store;
    private final Path scratchRoot;
    private final ArchiveRetention retention;
    private final Duration keyTtl;

    public BatchCompletion(BatchTracker tracker, BatchRepository batches, EventLog events, ObjectStore store, Path scratchRoot,
                           ArchiveRetention retention, Duration keyTtl) {
        this.tracker = tracker;
        this.batches = batches;
        this.events = events;
        this.store = store;
        this.scratchRoot = scratchRoot;
        this.retention = retention;
        this.keyTtl = keyTtl;
    }

    public void complete(String batchId) throws IOException, SQLException {
        BatchCounts counts = tracker.counts(batchId);
        removeTree(scratchRoot.resolve(batchId));
        batches.markCompleted(batchId, counts.processed(), counts.failed(), events, "batch_completed",
                "processed=" + counts.processed() + " failed=" + counts.failed() + " total=" + counts.total());
        if (retention == ArchiveRetention.DELETE && counts.s3Key() != null) {
            if (ArchiveNames.isArchiveKeyOf(store.config().archivePrefix(), batchId, counts.s3Key())) {
                store.delete(counts.s3Key());
            } else {
                log.warn("batch {} names s3_key {}, which is not its own archive: it is not deleted", batchId, counts.s3Key());
            }
        }
        tracker.finalizeCompletion(batchId, keyTtl);
        log.info("batch {} completed: {} processed, {} failed of {}; scratch dir removed, keys expire in {}h",
                batchId, counts.processed(), counts.failed(), counts.total(), keyTtl.toHours());
    }

    /** Deletes a directory tree (files first); a missing tree is fine. Links are removed, never followed. */
    public static void removeTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
