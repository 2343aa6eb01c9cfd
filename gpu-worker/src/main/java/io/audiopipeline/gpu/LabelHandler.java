package io.audiopipeline.gpu;

import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.db.TranscriptRecord;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.job.LabelJob;
import io.audiopipeline.common.label.Policy;
import io.audiopipeline.common.worker.JobHandler;
import io.audiopipeline.common.worker.PermanentJobException;
import java.util.Optional;
import org.slf4j.MDC;

/**
 * {@code queue:label}: labels a stored transcript against one recorded policy version, text only (no
 * audio, no transcription). The job is checked first: its recording must exist, belong to the job's
 * batch and have a transcript, and its policy version must be recorded; anything else is dead-lettered
 * with the reason, touching nothing.
 */
final class LabelHandler implements JobHandler<LabelJob> {
    private final AudioFileRepository files;
    private final TranscriptRepository transcripts;
    private final LabelRepository labels;
    private final TranscriptLabeler labeler;

    LabelHandler(AudioFileRepository files, TranscriptRepository transcripts, LabelRepository labels, TranscriptLabeler labeler) {
        this.files = files;
        this.transcripts = transcripts;
        this.labels = labels;
        this.labeler = labeler;
    }

    @Override
    public Class<LabelJob> jobType() {
        return LabelJob.class;
    }

    @Override
    public void handle(LabelJob job, int attempt) throws Exception {
        Optional<AudioFileRecord> row = files.find(job.audioUuid());
        if (row.isEmpty() || !row.get().batchId().equals(job.batchId())) {
            throw new PermanentJobException("audio_id " + job.audioId() + " is not a recording of batch " + job.batchId());
        }
        Optional<TranscriptRecord> transcript = transcripts.find(job.audioUuid());
        if (transcript.isEmpty()) {
            throw new PermanentJobException("recording " + job.audioId() + " has no stored transcript to label");
        }
        Optional<Policy> policy = labels.policy(job.policySha256());
        if (policy.isEmpty()) {
            throw new PermanentJobException("policy version " + job.policySha256() + " is not recorded (pipeline relabel records it)");
        }
        MDC.put("audio_id", job.audioId());
        try {
            labeler.label(job.audioUuid(), transcript.get().text(), policy.get());
        } finally {
            MDC.remove("audio_id");
        }
    }
}
