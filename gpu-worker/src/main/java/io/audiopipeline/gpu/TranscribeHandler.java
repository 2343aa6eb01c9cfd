package io.audiopipeline.gpu;

import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.batch.BatchRecovery;
import io.audiopipeline.common.batch.Outcome;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.db.TranscriptRecord;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.storage.StoredObject;
import io.audiopipeline.common.storage.TransferProgress;
import io.audiopipeline.common.worker.JobHandler;
import io.audiopipeline.common.worker.PermanentJobException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.Optional;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One transcription job: row → transcript → labels → upload → count → delete the local file. Each step is
 * skipped when an earlier delivery already did it, so a redelivered job costs no second transcript,
 * upload or count. The batch's counts and completion are the {@link BatchLedger}'s.
 */
final class TranscribeHandler implements JobHandler<TranscriptionJob> {
    private static final Logger log = LoggerFactory.getLogger(TranscribeHandler.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private final ScratchPaths scratch;
    private final BridgePool bridges;
    private final GpuConfig config;
    private final AudioFileRepository files;
    private final TranscriptRepository transcripts;
    private final EventLog events;
    private final ObjectStore store;
    private final BatchLedger ledger;
    private final GpuMetrics metrics;
    private final Publication publication;
    private final TranscriptLabeler labeler;
    private final BatchRecovery recovery;

    TranscribeHandler(ScratchPaths scratch, Publication publication, BridgePool bridges, GpuConfig config, AudioFileRepository files,
                      TranscriptRepository transcripts, TranscriptLabeler labeler, EventLog events, ObjectStore store, BatchLedger ledger,
                      GpuMetrics metrics, BatchRecovery recovery) {
        this.recovery = recovery;
        this.publication = publication;
        this.labeler = labeler;
        this.scratch = scratch;
        this.bridges = bridges;
        this.config = config;
        this.files = files;
        this.transcripts = transcripts;
        this.events = events;
        this.store = store;
        this.ledger = ledger;
        this.metrics = metrics;
    }

    @Override
    public Class<TranscriptionJob> jobType() {
        return TranscriptionJob.class;
    }

    @Override
    public void handle(TranscriptionJob job, int attempt) throws Exception {
        Path file = scratch.jobFile(job.batchId(), job.opusPath());
        Optional<AudioFileRecord> claimed = publication.claim(job);
        if (claimed.isEmpty()) {
            log.warn("{} of batch {} is held by another live worker: this copy of its job is dropped, the file is not transcribed twice",
                    job.originalFilename(), job.batchId());
            return;
        }
        AudioFileRecord row = claimed.get();
        MDC.put("audio_id", row.audioId().toString());
        try {
            if (row.settled()) {
                // a redelivery, or a job re-published while its first delivery finished: nothing to redo
                log.info("{} was already {} in its batch; nothing to redo", job.originalFilename(), row.status());
                ledger.resume(job.batchId());
                Files.deleteIfExists(file);
                return;
            }
            try {
                if (!Files.isRegularFile(file)) {
                    if (!Files.isDirectory(scratch.batchDir(job.batchId()))) {
                        // the batch's whole scratch dir is gone (the volume was lost or wiped): unpacked again from its archive
                        Optional<String> cannot = recovery.request(job.batchId(), "the scratch dir of the batch is gone from its node");
                        if (cannot.isEmpty()) {
                            log.warn("{}: the scratch dir of batch {} is gone; its unpack job is re-queued, this file is published again by the "
                                    + "hand-off that follows", job.originalFilename(), job.batchId());
                            return;
                        }
                        throw new PermanentJobException("audio file " + job.opusPath() + " is missing with its batch's scratch dir, and the batch "
                                + "cannot be recovered: " + cannot.get());
                    }
                    throw new PermanentJobException("audio file " + job.opusPath() + " is missing from the scratch dir");
                }
                // a first delivery has no transcript yet: only a redelivery looks for one
                Optional<TranscriptRecord> earlier = row.attempts() == 1 ? Optional.empty() : transcripts.find(row.audioId());
                String text = earlier.isPresent() ? earlier.get().text() : transcribe(job, row, file);
                labeler.labelAll(row.audioId(), text);
                upload(job, row, file);
            } catch (PermanentJobException e) {
                // a second delivery of this job (its first worker's heartbeat lapsed) may have finished first and removed
                // the file: then this one failed only because it was overtaken
                if (files.find(row.audioId()).map(AudioFileRecord::settled).orElse(false)) {
                    log.info("{} was settled by another delivery of the same job while this one ran ({}); nothing to redo",
                            job.originalFilename(), e.getMessage());
                    return;
                }
                throw e;
            }
            metrics.file("processed");
            Files.deleteIfExists(file);
        } finally {
            MDC.remove("audio_id");
        }
    }

    /** Out of attempts or permanently failed: the file counts as failed, so its batch can still complete. */
    @Override
    public void onDeadLetter(TranscriptionJob job, String reason) throws Exception {
        Path file;
        try {
            file = scratch.jobFile(job.batchId(), job.opusPath());
        } catch (PermanentJobException refused) {
            // a job pointing outside its batch dir is not a file of the batch: it must not move its counters
            log.warn("refused job is not counted against batch {}", job.batchId());
            return;
        }
        String refusal = publication.refusal(job);
        if (refusal != null) {
            // not a file of the batch as its hand-off recorded it: no counter, row or file of the batch is touched
            log.warn("refused job is not counted against batch {}: {}", job.batchId(), refusal);
            return;
        }
        if (ledger.failed(job.batchId(), job.originalFilename(), reason) != Outcome.ALREADY_COUNTED) {
            events.record(job.batchId(), files.find(job.batchId(), job.originalFilename()).map(AudioFileRecord::audioId).orElse(null),
                    "transcription_failed", reason);
            metrics.file("failed");
        }
        Files.deleteIfExists(file);
    }

    /** Transcribes the file and stores its transcript; returns the transcript's text. */
    private String transcribe(TranscriptionJob job, AudioFileRecord row, Path file) throws IOException, SQLException, InterruptedException,
            PermanentJobException {
        EngineResult result = bridges.transcribe(file, config.timeoutFor(job.durationSeconds()));
        BridgeAnswer answer = result.answer();
        double seconds = result.engineSeconds();
        if (!answer.ok()) {
            if (answer.retryable()) {
                throw new BridgeFailure("engine failed, retryable: " + answer.error());
            }
            throw new PermanentJobException("cannot transcribe " + job.originalFilename() + ": " + answer.error());
        }
        Double duration = answer.duration() != null ? answer.duration() : job.durationSeconds();
        Double rtf = duration == null || duration <= 0 ? null : seconds / duration;
        String engine = answer.engine() != null ? answer.engine() : bridges.engineInfo("engine");
        // decoded but no recognisable speech (silence, a voicemail nobody spoke on, noise): processed, flagged
        boolean noSpeech = answer.text().isBlank();
        transcripts.saveTranscribed(new TranscriptRecord(row.audioId(), answer.language(), answer.text(),
                answer.segments() == null ? "[]" : answer.segments().toString(), engine, bridges.engineInfo("engine_version"),
                answer.model() != null ? answer.model() : bridges.engineInfo("model"), duration, seconds, rtf), noSpeech);
        metrics.transcribed(duration == null ? 0 : duration, seconds);
        if (noSpeech) {
            metrics.noSpeech();
        }
        log.info("transcribed {}{} ({}s of audio in {}s, realtime factor {})", job.originalFilename(), noSpeech ? " (no speech)" : "",
                duration == null ? "?" : String.format("%.1f", duration), String.format("%.2f", seconds),
                rtf == null ? "?" : String.format("%.3f", rtf));
        return answer.text();
    }

    private void upload(TranscriptionJob job, AudioFileRecord row, Path file) throws IOException, SQLException, PermanentJobException {
        // the date of the file's first processing attempt: a retry uploads to the same key
        String key = store.config().processedPrefix() + DAY.format(row.createdAt()) + "/" + row.audioId() + ".opus";
        // the key holds the row's audio_id: only a redelivery can find an earlier upload there
        StoredObject stored = store.upload(file, key, TransferProgress.NONE, row.attempts() > 1);
        if (job.sha256() != null && !job.sha256().equals(stored.sha256())) {
            store.delete(key);
            throw new PermanentJobException("audio file " + job.opusPath() + " does not match the job's sha256 (" + job.sha256()
                    + "); it is " + stored.sha256() + ": the file changed on the scratch volume");
        }
        metrics.uploaded(stored.sizeBytes());
        ledger.processed(row.batchId(), row.audioId(), key, stored.sha256(), stored.sizeBytes());
    }
}
