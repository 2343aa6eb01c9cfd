package io.audiopipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** SRT and WebVTT from a transcript's segments (start and end in seconds, text). */
final class SubtitleWriter {
    private SubtitleWriter() {
    }

    static String srt(JsonNode segments) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (JsonNode s : segments) {
            String text = s.path("text").asText("").strip();
            if (text.isEmpty()) {
                continue;
            }
            out.append(++n).append('\n').append(time(s.path("start").asDouble(), ',')).append(" --> ")
                    .append(time(s.path("end").asDouble(), ',')).append('\n').append(text).append("\n\n");
        }
        return out.toString();
    }

    static String vtt(JsonNode segments) {
        StringBuilder out = new StringBuilder("WEBVTT\n\n");
        for (JsonNode s : segments) {
            String text = s.path("text").asText("").strip();
            if (text.isEmpty()) {
                continue;
            }
            String speaker = s.path("speaker").asText("");
            out.append(time(s.path("start").asDouble(), '.')).append(" --> ").append(time(s.path("end").asDouble(), '.')).append('\n')
                    .append(speaker.isEmpty() ? "" : "<v " + speaker + ">").append(text).append("\n\n");
        }
        return out.toString();
    }

    static String time(double seconds, char separator) {
        long ms = Math.round(Math.max(0, seconds) * 1000);
        return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", ms / 3_600_000, (ms / 60_000) % 60, (ms / 1000) % 60, separator, ms % 1000);
    }
}
