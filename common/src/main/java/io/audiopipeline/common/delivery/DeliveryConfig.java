package io.audiopipeline.common.delivery;

import io.audiopipeline.common.config.ConfigException;
import io.audiopipeline.common.config.Env;
import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * Where result events go: a Redis list (RESULTS_QUEUE, default {@code queue:results}; empty disables it)
 * and/or a webhook (WEBHOOK_URL, signed with WEBHOOK_SECRET), and how the relay that publishes them runs.
 */
public record DeliveryConfig(boolean relayEnabled, String resultsQueue, URI webhookUrl, String webhookSecret, Duration webhookTimeout,
                             int webhookMaxAttempts, Duration webhookRetryBase, Duration webhookRetryMax, Duration pollInterval,
                             Duration stuckAfter) {

    public static DeliveryConfig from(Env env) {
        String queue = env.stringOrEmpty("RESULTS_QUEUE", "queue:results").trim();
        if (!queue.isEmpty() && !queue.matches("[A-Za-z0-9:._-]{1,200}")) {
            throw new ConfigException("RESULTS_QUEUE", "must be a Redis key of letters, digits and :._- (or empty to disable), got '" + queue + "'");
        }
        URI webhook = env.uri("WEBHOOK_URL", null, Set.of("http", "https"));
        String secret = env.string("WEBHOOK_SECRET", null);
        if (webhook != null && (secret == null || secret.isBlank())) {
            throw new ConfigException("WEBHOOK_SECRET", "is required with WEBHOOK_URL: the receiver checks each request's signature with it");
        }
        Duration base = env.duration("WEBHOOK_RETRY_BASE_DELAY", Duration.ofSeconds(1), Duration.ofMillis(10));
        Duration max = env.duration("WEBHOOK_RETRY_MAX_DELAY", Duration.ofMinutes(5), Duration.ofMillis(10));
        if (max.compareTo(base) < 0) {
            throw new ConfigException("WEBHOOK_RETRY_MAX_DELAY", "must be at least WEBHOOK_RETRY_BASE_DELAY (" + base + ")");
        }
        return new DeliveryConfig(env.bool("RELAY_ENABLED", true), queue.isEmpty() ? null : queue, webhook, secret,
                env.duration("WEBHOOK_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100)),
                env.integer("WEBHOOK_MAX_ATTEMPTS", 10, 1, 1000), base, max,
                env.duration("RELAY_POLL_INTERVAL", Duration.ofSeconds(2), Duration.ofMillis(10)),
                env.duration("STUCK_AFTER", Duration.ofMinutes(30), Duration.ofSeconds(1)));
    }

    /** The secret never shows, whoever prints this record. */
    @Override
    public String toString() {
        return "DeliveryConfig[resultsQueue=" + resultsQueue + ", webhookUrl=" + (webhookUrl == null ? null : webhookUrl.getHost())
                + ", webhookSecret=" + (webhookSecret == null ? null : "****") + ", relayEnabled=" + relayEnabled + "]";
    }

    /** Whether this worker runs a relay: there is somewhere to deliver to, and it is not switched off. */
    public boolean relays() {
        return relayEnabled && (resultsQueue != null || webhookUrl != null);
    }
}
