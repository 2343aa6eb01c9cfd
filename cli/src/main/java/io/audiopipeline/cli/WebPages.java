package io.audiopipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.IgnoredEntry;
import io.audiopipeline.common.db.IgnoredEntryRepository;
import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.db.TranscriptRecord;
import io.audiopipeline.common.db.TranscriptRepository;
import io.audiopipeline.common.delivery.OutboxEvent;
import io.audiopipeline.common.delivery.OutboxEvents;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.queue.DeadLetters;
import io.audiopipeline.common.queue.QueueInspector;
import io.audiopipeline.common.queue.QueueKeys;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.commons.text.StringEscapeUtils;

/**
 * The web view's pages, rendered on the server from the same repositories the CLI reads. Every value that
 * comes from outside (file names, errors, payloads) goes through {@link #esc}: a name holding
 * {@code <script>} is shown as text.
 */
final class WebPages {
    static final String HTML = "text/html; charset=utf-8";

    private final Connections c;
    private final WebConfig config;

    WebPages(Connections c, WebConfig config) {
        this.c = c;
        this.config = config;
    }

    /** The overview's frame; its content is drawn and refreshed by app.js from {@code /api/overview}. */
    String overview() {
        return page("audio-pipeline", """
                <section><h2>Queues</h2><table id="queues"><thead><tr><th>queue</th><th>waiting</th><th>in flight</th><th>delayed</th>
                <th>dead</th><th>oldest waiting</th></tr></thead><tbody></tbody></table></section>
                <section><h2>Workers</h2><ul id="workers"></ul></section>
                <section><h2>Batches (active, and completed in the last hour)</h2><div id="batches"></div></section>
                <section><h2>Result events</h2><p id="outbox"></p></section>
                <section><h2>Failed transfers (retried by the transfer worker)</h2><ul id="transfers"></ul></section>
                <p class="muted">refreshed <span id="refreshed">…</span> · <a href="/dead">dead letters</a></p>
                """, "overview");
    }

    void batch(HttpExchange exchange, String batchId) throws Exception {
        if (!BatchId.isValid(batchId)) {
            throw new WebServer.WebFailure(404, "not a batch id");
        }
        BatchRecord b = new BatchRepository(c.database()).find(batchId).orElseThrow(() -> new WebServer.WebFailure(404, "no batch " + batchId));
        List<AudioFileRecord> files = new AudioFileRepository(c.database()).byBatch(batchId);
        List<IgnoredEntry> ignored = new IgnoredEntryRepository(c.database()).byBatch(batchId);
        LabelRepository labels = new LabelRepository(c.database());
        Map<UUID, TranscriptRecord> transcripts = new TranscriptRepository(c.database()).byBatch(batchId).stream()
                .collect(Collectors.toMap(TranscriptRecord::audioId, t -> t));
        StringBuilder body = new StringBuilder();
        body.append("<p>").append(esc(b.status())).append(" · archive ").append(esc(b.originalFilename())).append(" (")
                .append(esc(b.s3Key())).append(") · ").append(b.totalFiles() == null ? "total not known yet" : b.totalFiles() + " recordings")
                .append(" · created ").append(b.createdAt()).append(b.completedAt() == null ? "" : " · completed " + b.completedAt()).append("</p>");
        body.append("<section><h2>Recordings</h2><table id=\"recordings\"><thead><tr><th>recording</th><th>status</th><th>duration</th>")
                .append("<th>language</th><th>no speech</th><th>labels</th><th>error</th></tr></thead><tbody>");
        for (AudioFileRecord f : files) {
            TranscriptRecord t = transcripts.get(f.audioId());
            String name = t == null ? esc(f.originalFilename())
                    : "<a href=\"/transcript/" + f.audioId() + "\">" + esc(f.originalFilename()) + "</a>";
            body.append("<tr><td class=\"name\">").append(name).append("</td><td>").append(esc(f.status())).append("</td><td>")
                    .append(f.durationSeconds() == null ? "" : String.format(Locale.ROOT, "%.1f s", f.durationSeconds())).append("</td><td>")
                    .append(t == null ? "" : esc(t.language())).append("</td><td>").append(f.noSpeech() ? "yes" : "").append("</td><td>")
                    .append(labelsCell(labels.forRecording(f.audioId()))).append("</td><td>").append(esc(f.error())).append("</td></tr>");
        }
        body.append("</tbody></table></section>");
        if (!ignored.isEmpty()) {
            body.append("<section><h2>Ignored entries</h2><table><thead><tr><th>entry</th><th>why</th></tr></thead><tbody>");
            for (IgnoredEntry e : ignored) {
                body.append("<tr><td>").append(esc(e.name())).append("</td><td>").append(esc(e.reason())).append("</td></tr>");
            }
            body.append("</tbody></table></section>");
        }
        body.append("<section><h2>Events</h2><table><thead><tr><th>#</th><th>event</th><th>at</th><th>results queue</th><th>webhook</th></tr>")
                .append("</thead><tbody>");
        for (OutboxEvent e : new OutboxEvents(c.database()).ofBatch(batchId)) {
            body.append("<tr><td>").append(e.seq()).append("</td><td>").append(esc(e.type())).append("</td><td>").append(e.createdAt())
                    .append("</td><td>").append(e.queuePublishedAt() == null ? "" : e.queuePublishedAt()).append("</td><td>")
                    .append(e.webhookDeliveredAt() != null ? "delivered" : e.webhookDeadAt() != null ? "dead: " + esc(e.webhookError())
                            : e.webhookAttempts() > 0 ? e.webhookAttempts() + " failed: " + esc(e.webhookError()) : "")
                    .append("</td></tr>");
        }
        body.append("</tbody></table></section>");
        WebServer.send(exchange, 200, HTML, page("batch " + batchId, body.toString(), "batch"));
    }

    private static String labelsCell(List<LabelRepository.Label> labels) {
        return labels.stream().map(l -> esc(l.policyName()) + " " + (l.label() == null ? "failed" : l.label().toString()))
                .collect(Collectors.joining("<br>"));
    }

    /** The transcript page (player, words that follow the audio, downloads), or a download ({@code ID.txt|json|srt|vtt}). */
    void transcript(HttpExchange exchange, String rest) throws Exception {
        int dot = rest.indexOf('.');
        String format = dot < 0 ? null : rest.substring(dot + 1);
        UUID audioId = uuid(dot < 0 ? rest : rest.substring(0, dot));
        AudioFileRecord file = new AudioFileRepository(c.database()).find(audioId).orElseThrow(() -> new WebServer.WebFailure(404, "no recording"));
        TranscriptRecord t = new TranscriptRepository(c.database()).find(audioId)
                .orElseThrow(() -> new WebServer.WebFailure(404, "no transcript for this recording (" + file.status() + ")"));
        ObjectMapper mapper = c.codec().mapper();
        if (format != null) {
            if (!TranscriptExport.FORMATS.contains(format)) {
                throw new WebServer.WebFailure(404, "formats: " + TranscriptExport.FORMATS);
            }
            exchange.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"" + audioId + "." + format + "\"");
            WebServer.send(exchange, 200, TranscriptExport.contentType(format),
                    new TranscriptExport(new LabelRepository(c.database()), mapper).render(format, t, file));
            return;
        }
        StringBuilder body = new StringBuilder();
        body.append("<p><a href=\"/batch/").append(esc(file.batchId())).append("\">batch ").append(esc(file.batchId())).append("</a> · ")
                .append(esc(t.language())).append(" · ").append(t.durationSeconds() == null ? "" : String.format(Locale.ROOT, "%.1f s", t.durationSeconds()))
                .append(" · ").append(esc(t.engine())).append(" ").append(esc(t.model())).append("</p>");
        body.append("<audio id=\"player\" controls preload=\"auto\" src=\"/audio/").append(audioId).append("\"></audio>");
        body.append("<p class=\"downloads\">download: ");
        for (String f : TranscriptExport.FORMATS) {
            body.append("<a href=\"/transcript/").append(audioId).append('.').append(f).append("\">").append(f).append("</a> ");
        }
        body.append("</p><div id=\"transcript\">");
        if (file.noSpeech()) {
            body.append("<p class=\"muted\">no speech was recognised in this recording</p>");
        }
        for (JsonNode segment : mapper.readTree(t.segmentsJson())) {
            body.append("<p class=\"segment\">");
            if (segment.hasNonNull("speaker")) {
                body.append("<span class=\"speaker\">").append(esc(segment.get("speaker").asText())).append("</span> ");
            }
            JsonNode words = segment.path("words");
            if (words.isEmpty()) {
                body.append(word(segment.path("text").asText(), segment.path("start").asDouble(), segment.path("end").asDouble()));
            }
            for (JsonNode w : words) {
                body.append(word(w.path("word").asText(), w.path("start").asDouble(), w.path("end").asDouble())).append(' ');
            }
            body.append("</p>");
        }
        body.append("</div>");
        WebServer.send(exchange, 200, HTML, page(file.originalFilename(), body.toString(), "transcript"));
    }

    private static String word(String text, double start, double end) {
        return String.format(Locale.ROOT, "<span class=\"word\" data-start=\"%.3f\" data-end=\"%.3f\">%s</span>", start, end, esc(text));
    }

    /** Dead letters of every queue, with their reasons; retry and purge act through {@link WebActions} (with the token). */
    String dead() {
        QueueInspector inspector = new QueueInspector(c.redis(), c.codec().mapper());
        StringBuilder body = new StringBuilder();
        body.append(config.token() == null ? "<p class=\"muted\" id=\"mode\">read-only: no WEB_TOKEN is configured</p>"
                : "<p id=\"mode\"><label>token <input id=\"token\" type=\"password\" autocomplete=\"off\"></label> "
                + "actions (retry, purge) need the operator token</p>");
        body.append("<p id=\"result\" role=\"status\"></p>");
        int shown = 0;
        for (String name : inspector.queueNames()) {
            QueueKeys keys = new QueueKeys(name);
            DeadLetters dead = new DeadLetters(c.redis(), keys, c.codec().mapper());
            long size = dead.size();
            if (size == 0) {
                continue;
            }
            shown++;
            String q = URLEncoder.encode(name, StandardCharsets.UTF_8);
            body.append("<section class=\"dead-queue\" data-queue=\"").append(esc(name)).append("\"><h2>queue:").append(esc(name)).append(":dead · ")
                    .append(size).append("</h2><p><button data-action=\"/api/dead/").append(q).append("/retry?all=true\">retry all</button> ")
                    .append("<button data-action=\"/api/dead/").append(q).append("/purge\">purge</button></p>")
                    .append("<table><thead><tr><th>id</th><th>failed at</th><th>attempts</th><th>reason</th><th>job</th><th></th></tr></thead><tbody>");
            List<DeadLetter> entries = dead.list(0, 100);
            for (int i = 0; i < entries.size(); i++) {
                DeadLetter e = entries.get(i);
                body.append("<tr class=\"dead\"><td><code>").append(esc(e.id())).append("</code></td><td>").append(e.failedAt() == null ? "" : e.failedAt()).append("</td><td>")
                        .append(e.attempts()).append("</td><td class=\"reason\">").append(esc(e.error())).append("</td><td><code>")
                        .append(esc(shorten(e.payload()))).append("</code></td><td><button data-action=\"/api/dead/").append(q)
                        .append("/retry?id=").append(URLEncoder.encode(e.id(), StandardCharsets.UTF_8)).append("\">retry</button></td></tr>");
            }
            body.append("</tbody></table></section>");
        }
        if (shown == 0) {
            body.append("<p id=\"none\">no dead letters</p>");
        }
        return page("dead letters", body.toString(), "dead");
    }

    private static String shorten(String s) {
        return s == null ? "" : s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }

    static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new WebServer.WebFailure(404, "not a recording id");
        }
    }

    private static String page(String title, String body, String kind) {
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>"
                + "<link rel=\"stylesheet\" href=\"/assets/app.css\"><script src=\"/assets/app.js\" defer></script></head>"
                + "<body data-page=\"" + kind + "\"><header><a href=\"/\">audio-pipeline</a> <a href=\"/dead\">dead letters</a></header>"
                + "<main><h1>" + esc(title) + "</h1>" + body + "</main></body></html>";
    }

    /** HTML-escapes text from outside (file names are hostile input), control characters made visible as in the CLI. */
    static String esc(String text) {
        return text == null ? "" : StringEscapeUtils.escapeHtml4(io.audiopipeline.common.config.Printable.escape(text));
    }
}
