package io.audiopipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.db.TranscriptRecord;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.job.BatchId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "transcripts", mixinStandardHelpOptions = true,
        description = {"Export the transcripts of a batch (BATCH_ID) or of one file (AUDIO_ID).",
                "With --out DIR one file per recording is written (<audio_id>.<format>); else they go to stdout."})
final class TranscriptsCommand implements Callable<Integer> {
    enum Format { txt, json, srt, vtt }

    @Parameters(paramLabel = "BATCH_ID|AUDIO_ID")
    String id;

    @Option(names = "--format", defaultValue = "txt", description = "txt, json, srt or vtt (default ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--out", paramLabel = "DIR", description = "write one file per recording into DIR")
    Path out;

    private LabelRepository labels;

    @Override
    public Integer call() throws Exception {
        try (Connections c = Connections.fromEnvironment()) {
            AudioFileRepository files = new AudioFileRepository(c.database());
            TranscriptRepository transcripts = new TranscriptRepository(c.database());
            labels = new LabelRepository(c.database());
            List<AudioFileRecord> recordings = new ArrayList<>();
            if (BatchId.isValid(id)) {
                recordings.addAll(files.byBatch(id));
            } else {
                UUID audioId;
                try {
                    audioId = UUID.fromString(id);
                } catch (IllegalArgumentException e) {
                    throw new CliFailure("'" + id + "' is neither a batch id nor an audio id", 2);
                }
                files.find(audioId).ifPresent(recordings::add);
            }
            if (recordings.isEmpty()) {
                throw new CliFailure("no recordings found for " + id, 1);
            }
            if (out != null) {
                Files.createDirectories(out);
            }
            ObjectMapper mapper = c.codec().mapper();
            int written = 0;
            for (AudioFileRecord file : recordings) {
                var transcript = transcripts.find(file.audioId());
                if (transcript.isEmpty()) {
                    System.err.println("no transcript for " + file.originalFilename() + " (" + file.status() + ")");
                    continue;
                }
                String text = render(transcript.get(), file, mapper);
                if (out != null) {
                    Files.writeString(out.resolve(file.audioId() + "." + format), text);
                } else {
                    if (format != Format.json && recordings.size() > 1) {
                        System.out.println("== " + file.originalFilename() + " (" + file.audioId() + ")");
                    }
                    System.out.print(text.endsWith("\n") ? text : text + "\n");
                }
                written++;
            }
            if (out != null) {
                System.err.println(written + " transcript(s) written to " + out);
            }
            return written == recordings.size() ? 0 : 1;
        }
    }

    private String render(TranscriptRecord t, AudioFileRecord file, ObjectMapper mapper) throws Exception {
        return new TranscriptExport(labels, mapper).render(format.name(), t, file);
    }
}
