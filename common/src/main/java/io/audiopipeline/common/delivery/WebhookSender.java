package io.audiopipeline.common.delivery;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/** POSTs one event to WEBHOOK_URL, signed ({@link WebhookSignature}). */
final class WebhookSender {
    private final DeliveryConfig config;
    private final WebhookSignature signature;
    private final Clock clock;
    private final HttpClient http;

    WebhookSender(DeliveryConfig config, Clock clock) {
        this.config = config;
        this.signature = new WebhookSignature(config.webhookSecret());
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(config.webhookTimeout()).build();
    }

    /** Null when the endpoint accepted the event (2xx), else why not. */
    String post(OutboxEvent e, String body) throws InterruptedException {
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(config.webhookUrl()).timeout(config.webhookTimeout())
                .header("Content-Type", "application/json")
                .header(WebhookSignature.EVENT_ID_HEADER, e.eventId().toString())
                .header(WebhookSignature.EVENT_TYPE_HEADER, e.type())
                .header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .header(WebhookSignature.SIGNATURE_HEADER, signature.sign(timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            return response.statusCode() / 100 == 2 ? null : "HTTP " + response.statusCode();
        } catch (IOException ex) {
            return ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
        }
    }

    String host() {
        return config.webhookUrl().getHost();
    }
}
