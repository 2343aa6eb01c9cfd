package io.audiopipeline.transfer;

import io.audiopipeline.common.archive.ArchivePublisher;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.storage.IntegrityException;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.storage.ProgressLog;
import io.audiopipeline.common.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
        return remote(file, existing.orElse(null));
    }

    /**
     * A remote source, read once: streamed to S3 while it is also written to staging, so download and upload
     * overlap; when the upload fails the download goes on to the end, and the retry uploads the staged copy
     * without touching the export host again.
     */
    private UnpackJob remote(SourceFile file, TransferLedger.Entry recorded) throws IOException, SQLException {
        TransferLedger.Entry entry = recordedOrNew(file, recorded);
        Path staged = config.stagingDir().resolve(stagingName(file));
        MDC.put("batch_id", entry.batchId());
        try {
            ProgressLog progress = new ProgressLog(log, "transfer of " + file.name(), clock);
            long started = System.nanoTime();
            StoredObject stored;
            if (Files.isRegularFile(staged) && Files.size(staged) == file.sizeBytes()) {
                log.info("reusing staged copy of {} from an earlier attempt", file.name());
                try (InputStream in = Files.newInputStream(staged)) {
                    stored = store.uploadStream(in, entry.s3Key(), file.sizeBytes(), progress);
                }
            } else {
                stored = streamAndStage(file, staged, entry.s3Key(), progress);
            }
            if (stored.sizeBytes() != file.sizeBytes()) {
                store.delete(entry.s3Key());
                Files.deleteIfExists(staged);
                throw new IntegrityException("transfer of " + file.name() + " got " + stored.sizeBytes() + " bytes, the source listed "
                        + file.sizeBytes() + "; nothing was published");
            }
            return publish(file, entry, stored, staged, started);
        } finally {
            MDC.remove("batch_id");
        }
    }

    /** Streams the remote file to S3 through a staging copy written as it is read. */
    private StoredObject streamAndStage(SourceFile file, Path staged, String key, ProgressLog progress) throws IOException {
        Files.createDirectories(config.stagingDir());
        Path part = staged.resolveSibling(staged.getFileName() + ".part");
        try (InputStream remote = source.open(file); OutputStream copy = Files.newOutputStream(part)) {
            StoredObject stored;
            try {
                stored = store.uploadStream(new TeeInputStream(remote, copy), key, file.sizeBytes(), progress);
            } catch (IOException | RuntimeException uploadFailed) {
                // the download goes on: the retry then uploads from staging, not from the export host
                remote.transferTo(copy);
                copy.close();
                keepIfComplete(part, staged, file);
                throw uploadFailed;
            }
            copy.close();
            keepIfComplete(part, staged, file);
            metrics.downloaded(file.sizeBytes());
            return stored;
        } catch (IOException e) {
            Files.deleteIfExists(part);
            throw new IOException("transfer of " + file.name() + " from " + source.describe() + " failed: " + e.getMessage(), e);
        }
    }

    private static void keepIfComplete(Path part, Path staged, SourceFile file) throws IOException {
        if (Files.size(part) == file.sizeBytes()) {
            Files.move(part, staged, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(part);
        }
    }

    private TransferLedger.Entry recordedOrNew(SourceFile file, TransferLedger.Entry recorded) throws SQLException {
        if (recorded != null) {
            return recorded;
        }
        String batchId = BatchId.next(clock);
        return ledger.record(source.describe(), file, batchId, publisher.keyFor(batchId, file.name()));
    }

    /** After a verified upload: the SHA-256 recorded, the batch row and job published, the record marked enqueued, then cleanup. */
    private UnpackJob publish(SourceFile file, TransferLedger.Entry entry, StoredObject stored, Path staged, long started)
            throws IOException, SQLException {
        if (entry.sha256() != null && !entry.sha256().equals(stored.sha256())) {
            throw new IntegrityException(file.name() + " changed since its first transfer attempt (sha256 " + entry.sha256() + " then, "
                    + stored.sha256() + " now) while its size and time stayed the same; leaving it for an operator");
        }
        metrics.uploaded(file.sizeBytes(), (System.nanoTime() - started) / 1e9);
        ledger.recordSha256(source.describe(), file, stored.sha256());
        UnpackJob job = publisher.publishUploaded(entry.batchId(), stored, file.name());
        ledger.markEnqueued(source.describe(), file);
        log.info("{} is batch {}: {} bytes read once, sha256 {}, unpack job enqueued", file.name(), entry.batchId(), file.sizeBytes(),
                stored.sha256());
        afterEnqueue(file, staged);
        return job;
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
        TransferLedger.Entry entry = recordedOrNew(file, recorded);
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
            return publish(file, entry, stored, null, started);
        } finally {
            MDC.remove("batch_id");
        }
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
