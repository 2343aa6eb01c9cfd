package io.audiopipeline.demo;

import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.TranscriptRecord;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.storage.ObjectStore;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The demo's last words: each transcript, the summary (files, audio, time to the first transcript, realtime factor), the outputs. */
final class DemoReport {
    private DemoReport() {
    }

    /** Prints the transcripts, a summary and where the outputs are; returns 0 when the batch completed. */
    static int print(Database db, ObjectStore store, String batchId, Duration wall, Duration firstTranscript) throws Exception {
        BatchRecord row = new BatchRepository(db).find(batchId).orElseThrow();
        List<AudioFileRecord> files = new AudioFileRepository(db).byBatch(batchId);
        TranscriptRepository transcripts = new TranscriptRepository(db);
        double audio = 0;
        double engine = 0;
        System.out.println();
        System.out.println("TRANSCRIPTS");
        for (AudioFileRecord f : files) {
            Optional<TranscriptRecord> t = transcripts.find(f.audioId());
            if (t.isPresent()) {
                audio += t.get().durationSeconds() == null ? 0 : t.get().durationSeconds();
                engine += t.get().processingSeconds();
                System.out.printf("  %-32s %5.1fs  %s%n", f.originalFilename(), t.get().durationSeconds(), t.get().text());
            } else {
                System.out.printf("  %-32s FAILED  %s%n", f.originalFilename(), f.error());
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Summary: %d files (%d transcribed, %d failed), %.1f s of audio; first transcript after %s, "
                        + "wall time %.1f s; realtime factor %.2f (engine time / audio time)%n",
                files.size(), row.processedFiles(), row.failedFiles(), audio,
                firstTranscript == null ? "(none)" : String.format(Locale.ROOT, "%.1f s", firstTranscript.toMillis() / 1000.0),
                wall.toMillis() / 1000.0, audio > 0 ? engine / audio : 0.0);
        System.out.println("Outputs:");
        System.out.println("  archive    s3://" + store.bucket() + "/" + row.s3Key());
        for (AudioFileRecord f : files) {
            if (f.s3Key() != null) {
                System.out.println("  processed  s3://" + store.bucket() + "/" + f.s3Key());
            }
        }
        System.out.println("  tables     batches, audio_files, transcripts, pipeline_events (batch_id = '" + batchId + "')");
        System.out.println("  export     bin/pipeline transcripts " + batchId + " --format srt");
        return "completed".equals(row.status()) ? 0 : 1;
    }
}
