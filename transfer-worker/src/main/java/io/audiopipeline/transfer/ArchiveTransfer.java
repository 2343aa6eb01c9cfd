package io.audiopipeline.transfer;

import io.audiopipeline.common.archive.ArchivePublisher;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.storage.Checksums;
import io.audiopipeline.common.storage.IntegrityException;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.storage.ProgressLog;
import io.audiopipeline.common.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Moves one source archive into the pipeline, reading its bytes once. The order of steps is what makes a
 * crash anywhere safe:
 *
 * <ol>
 *   <li>a local ({@code file://}) source is read in place: recorded in {@code transfers} with its batch id
 *       first, then hashed while it is uploaded, its size, time and file identity the same before and
 *       after (else nothing is published and what was read leaves the store); a crash re-reads it under the
 *       same batch id;</li>
 *   <li>a remote ({@code sftp://}) source is written to {@code STAGING_DIR/<source-version-hash>.part}
 *       while hashed, renamed, recorded, then uploaded; a failed upload is retried from the staged copy
 *       without touching the export host again;</li>
 *   <li>publish (the batch row, the job enqueued at most once — see {@link ArchivePublisher}); if the
 *       upload fails nothing is enqueued;</li>
 *   <li>mark the record enqueued: a kept source file is never transferred again;</li>
 *   <li>only then clean up: the staged file, and the source per TRANSFER_SOURCE_AFTER. A cleanup failure
 *       is a warning; the archive is already safe in S3 and on the queue.</li>
 * </ol>
 */
final class ArchiveTransfer {
    private static final Logger log = LoggerFactory.getLogger(ArchiveTransfer.class);

    private final ExportSource source;
    private final TransferLedger ledger;
    private final ArchivePublisher publisher;
    private final ObjectStore store;
    private final TransferConfig config;
    private final TransferMetrics metrics;
    private final Clock clock;

    ArchiveTransfer(ExportSource source, TransferLedger ledger, ArchivePublisher publisher, ObjectStore store, TransferConfig config,
                    TransferMetrics metrics, Clock clock) {
        this.store = store;
        this.source = source;
        this.ledger = ledger;
        this.publisher = publisher;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Returns the job enqueued (or found enqueued before); throws when the archive must be retried later. */
    UnpackJob transfer(SourceFile file) throws IOException, SQLException {
        var existing = ledger.find(source.describe(), file);
        if (existing.isPresent() && existing.get().enqueued()) {
            log.info("{} was transferred before as batch {}; applying TRANSFER_SOURCE_AFTER only", file.name(), existing.get().batchId());
            afterEnqueue(file, null);
            return null;
        }
        Optional<Path> local = source.localPath(file);
        if (local.isPresent()) {
            return inPlace(file, local.get(), existing.orElse(null));
        }
        Path staged = config.stagingDir().resolve(stagingName(file));
        String sha256;
        if (existing.isPresent() && intact(staged, file, existing.get().sha256())) {
            log.info("reusing staged copy of {} from an earlier attempt", file.name());
            sha256 = existing.get().sha256();
        } else {
            sha256 = download(file, staged);
        }
        TransferLedger.Entry entry = existing.orElse(null);
        if (entry == null) {
            String batchId = BatchId.next(clock);
            entry = ledger.record(source.describe(), file, batchId, sha256, publisher.keyFor(batchId, file.name()));
        }
        if (!entry.sha256().equals(sha256)) {
            throw new IntegrityException(file.name() + " changed since its first transfer attempt (sha256 " + entry.sha256() + " then, "
                    + sha256 + " now) while its size and time stayed the same; leaving it for an operator");
        }
        MDC.put("batch_id", entry.batchId());
        try {
            ProgressLog progress = new ProgressLog(log, "upload of " + file.name(), clock);
            long started = System.nanoTime();
            UnpackJob job = publisher.publish(entry.batchId(), staged, file.name(), sha256, progress);
            double seconds = (System.nanoTime() - started) / 1e9;
            metrics.uploaded(file.sizeBytes(), seconds);
            ledger.markEnqueued(source.describe(), file);
            log.info("{} is batch {}: {} bytes in {}, unpack job enqueued", file.name(), entry.batchId(), file.sizeBytes(), job.s3Key());
            afterEnqueue(file, staged);
            return job;
        } finally {
            MDC.remove("batch_id");
        }
    }

    /**
     * A local source, read once where it lies: hashed while it is uploaded, its size, time and file identity
     * the same before and after, else what was read is removed from the store and nothing is published
     * (the file is taken again once it is stable, as a new version). A crash re-reads it: the record keeps
     * its batch id, so it can never become two batches.
     */
    private UnpackJob inPlace(SourceFile file, Path path, TransferLedger.Entry recorded) throws IOException, SQLException {
        SourceIdentity before = SourceIdentity.of(path);
        if (!before.isListed(file)) {
            throw new IntegrityException(file.name() + " changed since it was listed; it is taken at a later poll");
        }
        TransferLedger.Entry entry = recorded;
        if (entry == null) {
            String batchId = BatchId.next(clock);
            entry = ledger.record(source.describe(), file, batchId, null, publisher.keyFor(batchId, file.name()));
        }
        MDC.put("batch_id", entry.batchId());
        try {
            ProgressLog progress = new ProgressLog(log, "upload of " + file.name(), clock);
            long started = System.nanoTime();
            StoredObject stored;
            try (InputStream in = source.open(file)) {
                stored = store.uploadStream(in, entry.s3Key(), file.sizeBytes(), progress);
            }
            if (stored.sizeBytes() != file.sizeBytes() || !SourceIdentity.of(path).equals(before)) {
                store.delete(entry.s3Key());
                throw new IntegrityException(file.name() + " changed while it was uploaded (its size, time or file identity); nothing was "
                        + "published, and it is taken again once it is stable");
            }
            if (entry.sha256() != null && !entry.sha256().equals(stored.sha256())) {
                throw new IntegrityException(file.name() + " changed since its first transfer attempt (sha256 " + entry.sha256() + " then, "
                        + stored.sha256() + " now) while its size and time stayed the same; leaving it for an operator");
            }
            metrics.uploaded(file.sizeBytes(), (System.nanoTime() - started) / 1e9);
            ledger.recordSha256(source.describe(), file, stored.sha256());
            UnpackJob job = publisher.publishUploaded(entry.batchId(), stored, file.name());
            ledger.markEnqueued(source.describe(), file);
            log.info("{} is batch {}: {} bytes read once in place, sha256 {}, unpack job enqueued", file.name(), entry.batchId(),
                    file.sizeBytes(), stored.sha256());
            afterEnqueue(file, null);
            return job;
        } finally {
            MDC.remove("batch_id");
        }
    }

    private String download(SourceFile file, Path staged) throws IOException {
        Files.createDirectories(config.stagingDir());
        Path part = staged.resolveSibling(staged.getFileName() + ".part");
        ProgressLog progress = new ProgressLog(log, "download of " + file.name(), clock);
        StagingCopy.Staged copy;
        try (InputStream in = source.open(file)) {
            copy = StagingCopy.fromStream(in, part, file.sizeBytes(), progress);
        } catch (IOException e) {
            Files.deleteIfExists(part);
            throw new IOException("download of " + file.name() + " from " + source.describe() + " failed: " + e.getMessage(), e);
        }
        if (copy.sizeBytes() != file.sizeBytes()) {
            Files.deleteIfExists(part);
            throw new IntegrityException("download of " + file.name() + " got " + copy.sizeBytes() + " bytes, the source listed " + file.sizeBytes());
        }
        Files.move(part, staged, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        metrics.downloaded(copy.sizeBytes());
        return copy.sha256();
    }

    private static boolean intact(Path staged, SourceFile file, String sha256) throws IOException {
        return Files.isRegularFile(staged) && Files.size(staged) == file.sizeBytes() && Checksums.sha256(staged).equals(sha256);
    }

    private void afterEnqueue(SourceFile file, Path staged) {
        if (staged != null) {
            try {
                Files.deleteIfExists(staged);
            } catch (IOException e) {
                log.warn("could not delete staged copy {} ({}); the archive is safe in S3, remove it by hand", staged, e.toString());
            }
        }
        try {
            switch (config.after().action()) {
                case KEEP -> { }
                case DELETE -> source.delete(file);
                case MOVE -> source.move(file, config.after().moveTo());
            }
        } catch (IOException e) {
            log.warn("TRANSFER_SOURCE_AFTER={} failed for {} ({}); the archive is safe in S3 and will not be transferred again",
                    config.after().action().name().toLowerCase(), file.name(), e.toString());
        }
    }

    private String stagingName(SourceFile file) {
        String identity = source.describe() + "/" + file.name() + "|" + file.sizeBytes() + "|" + file.modifiedAt().toEpochMilli();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12) + "-" + file.name().replaceAll("[^A-Za-z0-9._-]", "_");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
