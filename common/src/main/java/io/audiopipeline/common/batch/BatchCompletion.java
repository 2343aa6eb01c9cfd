package io.audiopipeline.common.batch;

import io.audiopipeline.common.archive.ArchiveNames;
import io.audiopipeline.common.db.Database;
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
 * A completed batch's work outside the database, after the transaction that completed it: remove its
 * scratch dir (when it is on this node), apply ARCHIVE_RETENTION, let its Redis keys expire after
 * BATCH_KEY_TTL, and record that this ran to its end ({@code batches.finalized_at}). Every step is
 * idempotent: a worker that dies in the middle leaves it to the redelivered job or to the reconciler.
 */
public final class BatchCompletion {
    private static final Logger log = LoggerFactory.getLogger(BatchCompletion.class);

    private final Database db;
    private final BatchTracker mirror;
    private final ObjectStore store;
    private final Path scratchRoot;
    private final ArchiveRetention retention;
    private final Duration keyTtl;

    public BatchCompletion(Database db, BatchTracker mirror, ObjectStore store, Path scratchRoot, ArchiveRetention retention, Duration keyTtl) {
        this.db = db;
        this.mirror = mirror;
        this.store = store;
        this.scratchRoot = scratchRoot;
        this.retention = retention;
        this.keyTtl = keyTtl;
    }

    Duration keyTtl() {
        return keyTtl;
    }

    boolean finalized(String batchId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT finalized_at IS NOT NULL FROM batches WHERE batch_id = :id").bind("id", batchId)
                .mapTo(Boolean.class).findOne().orElse(true));
    }

    public void finish(BatchCounts counts) throws IOException, SQLException {
        String batchId = counts.batchId();
        if (scratchRoot != null) {
            removeTree(scratchRoot.resolve(batchId));
        }
        if (retention == ArchiveRetention.DELETE && counts.s3Key() != null) {
            if (ArchiveNames.isArchiveKeyOf(store.config().archivePrefix(), batchId, counts.s3Key())) {
                store.delete(counts.s3Key());
            } else {
                log.warn("batch {} names s3_key {}, which is not its own archive: it is not deleted", batchId, counts.s3Key());
            }
        }
        mirror.mirror(counts, keyTtl);
        db.withHandle(h -> h.createUpdate("UPDATE batches SET finalized_at = coalesce(finalized_at, now()) WHERE batch_id = :id")
                .bind("id", batchId).execute());
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
