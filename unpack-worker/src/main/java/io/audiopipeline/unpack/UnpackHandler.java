package io.audiopipeline.unpack;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.archive.ArchiveNames;
import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.storage.IntegrityException;
import io.audiopipeline.common.storage.MissingObjectException;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.storage.ProgressLog;
import io.audiopipeline.common.storage.StoredObject;
import io.audiopipeline.common.worker.JobHandler;
import io.audiopipeline.common.worker.PermanentJobException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One unpack job, while its delivery alone owns the batch ({@link BatchLease}): download the archive into {@code SCRATCH_ROOT/<batch_id>/}, extract it safely,
 * convert its recordings, write the manifest, and hand off. If anything before the manifest fails the
 * whole batch dir is removed and the job retried (or dead-lettered when permanent). A redelivered job
 * that finds the manifest resumes the hand-off; one whose batch already completed does nothing.
 */
final class UnpackHandler implements JobHandler<UnpackJob> {
    private static final Logger log = LoggerFactory.getLogger(UnpackHandler.class);

    private final UnpackConfig config;
    private final ObjectStore store;
    private final SafeExtractor extractor;
    private final RecordingConverter converter;
    private final HandOff handOff;
    private final BatchLedger ledger;
    private final BatchRepository batches;
    private final UnpackMetrics metrics;
    private final ObjectMapper json;
    private final String node;
    private final Clock clock;
    private final BatchLease.Leases leases;
    private final String workerId;

    UnpackHandler(UnpackConfig config, ObjectStore store, SafeExtractor extractor, RecordingConverter converter, HandOff handOff,
                  BatchLedger ledger, BatchRepository batches, UnpackMetrics metrics,
                  ObjectMapper json, String node, String workerId, Clock clock, BatchLease.Leases leases) {
        this.workerId = workerId;
        this.leases = leases;
        this.config = config;
        this.store = store;
        this.extractor = extractor;
        this.converter = converter;
        this.handOff = handOff;
        this.ledger = ledger;
        this.batches = batches;
        this.metrics = metrics;
        this.json = json;
        this.node = node;
        this.clock = clock;
    }

    @Override
    public Class<UnpackJob> jobType() {
        return UnpackJob.class;
    }

    @Override
    public void handle(UnpackJob job, int attempt) throws Exception {
        String batchId = job.batchId();
        refuseForeign(job);
        BatchLease lease;
        try {
            lease = leases.acquire(batchId);
        } catch (BatchLease.BatchBusyException busy) {
            // the owner may have recorded its archive by now: another archive under this id is refused at once
            refuseForeign(job);
            throw busy;
        }
        try (lease) {
            handleOwned(job, attempt, lease);
        }
    }

    /** The job, while this delivery alone owns its batch. */
    private void handleOwned(UnpackJob job, int attempt, BatchLease lease) throws Exception {
        String batchId = job.batchId();
        Path batchDir = config.scratchRoot().resolve(batchId);
        Optional<BatchRecord> row = batches.find(batchId);
        if (row.isPresent() && "completed".equals(row.get().status())) {
            // a redelivery, or a stray duplicate of a job done long ago: finish the completion's own work if it never ended
            ledger.resume(batchId);
            log.info("batch {} completed before; nothing to do for this job", batchId);
            return;
        }
        Optional<Manifest> manifest = Manifest.read(batchDir, json);
        boolean fresh = manifest.isEmpty();
        if (fresh) {
            // a first delivery, or a batch whose scratch dir is gone (its node's volume lost): unpacked from the archive
            manifest = Optional.of(unpack(job, batchDir));
        } else {
            log.info("resuming the hand-off of batch {} from its manifest (attempt {})", batchId, attempt);
        }
        lease.check();
        handOff.handOff(job, manifest.get(), fresh);
    }

    /**
     * A job touches only its own batch: its {@code s3_key} must be exactly {@code archives/<its batch_id><ext>},
     * and a batch id already bound to an archive cannot be reused for another one. Either is dead-lettered
     * at once, naming both, before anything is read, written or deleted.
     */
    private void refuseForeign(UnpackJob job) throws Exception {
        String prefix = store.config().archivePrefix();
        if (!ArchiveNames.isArchiveKeyOf(prefix, job.batchId(), job.s3Key())) {
            throw new PermanentJobException("s3_key '" + job.s3Key() + "' is not an archive of batch " + job.batchId() + ": an unpack job may name only "
                    + prefix + job.batchId() + " with one of " + String.join(" ", ArchiveNames.EXTENSIONS));
        }
        Optional<BatchRecord> row = batches.find(job.batchId());
        if (row.isPresent() && !sameArchive(row.get(), job)) {
            throw new PermanentJobException("batch " + job.batchId() + " already holds archive " + row.get().s3Key()
                    + (row.get().sha256() == null ? "" : " (sha256 " + row.get().sha256() + ")") + "; this job names " + job.s3Key()
                    + (job.sha256() == null ? "" : " (sha256 " + job.sha256() + ")") + ": a batch id is never reused for another archive");
        }
    }

    private static boolean sameArchive(BatchRecord row, UnpackJob job) {
        boolean sameKey = row.s3Key().equals(job.s3Key());
        boolean sameSum = row.sha256() == null || job.sha256() == null || row.sha256().equals(job.sha256());
        return sameKey && sameSum;
    }

    /** The batch is marked failed only when the job was its own: a refused foreign job leaves every batch as it was. */
    @Override
    public void onDeadLetter(UnpackJob job, String reason) throws Exception {
        Optional<BatchRecord> row = batches.find(job.batchId());
        boolean own = ArchiveNames.isArchiveKeyOf(store.config().archivePrefix(), job.batchId(), job.s3Key())
                && (row.isEmpty() || sameArchive(row.get(), job));
        if (own) {
            batches.markFailed(job.batchId(), reason);
        } else {
            log.warn("dead-lettered job for batch {} was not that batch's own; the batch is left as it was", job.batchId());
        }
    }

    /**
     * Downloads the archive, verified against the job's size and SHA-256. A mismatch is downloaded once
     * more (a transfer can be damaged on the way); a second mismatch means the object itself differs from
     * what the job says, which no retry can change.
     */
    private StoredObject download(UnpackJob job, Path archive) throws Exception {
        for (int round = 1; ; round++) {
            try {
                return store.download(job.s3Key(), archive, job.sizeBytes(), job.sha256(),
                        new ProgressLog(log, "download of " + job.s3Key(), clock));
            } catch (MissingObjectException e) {
                throw new PermanentJobException("s3_key " + job.s3Key() + " does not exist in bucket " + store.bucket());
            } catch (IntegrityException e) {
                if (round == 2) {
                    throw new PermanentJobException(e.getMessage() + " (downloaded twice; the stored object is not the one the job names)", e);
                }
                log.warn("{}; downloading it once more", e.getMessage());
            }
        }
    }

    private Manifest unpack(UnpackJob job, Path batchDir) throws Exception {
        String batchId = job.batchId();
        BatchCompletion.removeTree(batchDir);
        batches.insertIfAbsent(batchId, job.s3Key(), job.originalFilename(), job.sha256(), job.sizeBytes(), job.transferredAt());
        batches.markUnpacking(batchId, node, workerId);
        try {
            Files.createDirectories(batchDir);
            Path archive = batchDir.resolve("archive" + ArchiveNames.extension(job.originalFilename()));
            StoredObject downloaded = download(job, archive);
            metrics.downloaded(downloaded.sizeBytes());
            Path extracted = batchDir.resolve("extracted");
            SafeExtractor.Result result = extractor.extract(archive, extracted);
            Files.delete(archive);
            log.info("extracted {} recordings ({} read) from {}; {} other entries ignored{}", result.recordings().size(),
                    ProgressLog.human(result.bytes()), job.originalFilename(), result.ignored().size(), IgnoredSummary.of(result.ignored()));
            RecordingConverter.Outcome outcome = converter.convertAll(result.recordings(), batchDir.resolve("opus"));
            BatchCompletion.removeTree(extracted);
            Manifest manifest = new Manifest(batchId, outcome.recordings(), result.ignored());
            manifest.write(batchDir, json);
            return manifest;
        } catch (Exception e) {
            BatchCompletion.removeTree(batchDir);
            throw e;
        }
    }
}
