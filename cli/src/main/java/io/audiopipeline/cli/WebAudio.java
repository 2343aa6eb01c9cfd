package io.audiopipeline.cli;

import com.sun.net.httpserver.HttpExchange;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.storage.StoredObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A recording's Opus file, streamed from S3 through the server with HTTP range requests (so the player can seek). */
final class WebAudio {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    private final Connections c;

    WebAudio(Connections c) {
        this.c = c;
    }

    void stream(HttpExchange exchange, String id) throws Exception {
        AudioFileRecord file = new AudioFileRepository(c.database()).find(WebPages.uuid(id))
                .orElseThrow(() -> new WebServer.WebFailure(404, "no recording " + id));
        if (file.s3Key() == null) {
            throw new WebServer.WebFailure(404, "recording " + id + " has no stored audio (" + file.status() + ")");
        }
        StoredObject object = c.store().head(file.s3Key()).orElseThrow(() -> new WebServer.WebFailure(404, "audio object is missing"));
        long size = object.sizeBytes();
        long first = 0;
        long last = size - 1;
        int status = 200;
        String range = exchange.getRequestHeaders().getFirst("Range");
        if (range != null) {
            Matcher m = RANGE.matcher(range.trim());
            if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
                throw new WebServer.WebFailure(416, "unsupported range " + range);
            }
            if (m.group(1).isEmpty()) {
                first = Math.max(0, size - Long.parseLong(m.group(2)));
            } else {
                first = Long.parseLong(m.group(1));
                last = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
            }
            if (first > last || first >= size) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + size);
                throw new WebServer.WebFailure(416, "range outside the object");
            }
            status = 206;
            exchange.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + size);
        }
        exchange.getResponseHeaders().set("Content-Type", "audio/ogg");
        exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
        long length = last - first + 1;
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, length);
        try (InputStream in = status == 206 ? c.store().openRange(file.s3Key(), first, last) : c.store().open(file.s3Key());
             OutputStream out = exchange.getResponseBody()) {
            in.transferTo(out);
        }
    }
}
