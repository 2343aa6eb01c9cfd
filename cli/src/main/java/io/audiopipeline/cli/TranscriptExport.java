package io.audiopipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.db.TranscriptRecord;

/** One transcript as txt, json (with its labels), srt or vtt: what {@code pipeline transcripts} prints and the web view downloads. */
final class TranscriptExport {
    static final java.util.List<String> FORMATS = java.util.List.of("txt", "json", "srt", "vtt");

    private final LabelRepository labels;
    private final ObjectMapper mapper;

    TranscriptExport(LabelRepository labels, ObjectMapper mapper) {
        this.labels = labels;
        this.mapper = mapper;
    }

    String render(String format, TranscriptRecord t, AudioFileRecord file) throws Exception {
        var segments = mapper.readTree(t.segmentsJson());
        return switch (format) {
            case "txt" -> file.noSpeech() ? "" : t.text() + "\n";
            case "srt" -> SubtitleWriter.srt(segments);
            case "vtt" -> SubtitleWriter.vtt(segments);
            case "json" -> {
                ObjectNode node = mapper.createObjectNode();
                node.put("audio_id", file.audioId().toString()).put("batch_id", file.batchId()).put("original_filename", file.originalFilename())
                        .put("language", t.language()).put("text", t.text()).put("engine", t.engine()).put("model", t.model());
                node.put("duration_seconds", t.durationSeconds());
                node.put("no_speech", file.noSpeech());
                node.set("segments", segments);
                var list = node.putArray("labels");
                for (LabelRepository.Label l : labels.forRecording(file.audioId())) {
                    ObjectNode label = list.addObject().put("policy", l.policyName()).put("policy_version", l.policySha256())
                            .put("model", l.model()).put("status", l.status());
                    if (l.label() != null) {
                        label.put("label", l.label()).put("score", l.score());
                        label.set("evidence", mapper.readTree(l.evidenceJson()));
                    } else {
                        label.put("error", l.error());
                    }
                }
                yield mapper.writeValueAsString(node) + "\n";
            }
            default -> throw new IllegalArgumentException("no format " + format);
        };
    }

    static String contentType(String format) {
        return switch (format) {
            case "json" -> "application/json; charset=utf-8";
            case "vtt" -> "text/vtt; charset=utf-8";
            case "srt" -> "application/x-subrip; charset=utf-8";
            default -> "text/plain; charset=utf-8";
        };
    }
}
