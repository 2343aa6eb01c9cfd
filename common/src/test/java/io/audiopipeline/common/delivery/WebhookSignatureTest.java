package io.audiopipeline.common.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.audiopipeline.common.config.ConfigException;
import io.audiopipeline.common.config.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
    private static final String BODY = "{\"id\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\",\"type\":\"batch.completed\"}";

    @Test
    void aReceiverWithTheSameSecretAcceptsTheRequestAndAnyChangeIsDetected() {
        WebhookSignature sender = new WebhookSignature("s3cret");
        String signature = sender.sign(1_795_000_000L, BODY);

        assertThat(signature).matches("sha256=[0-9a-f]{64}");
        assertThat(new WebhookSignature("s3cret").verify(1_795_000_000L, BODY, signature)).isTrue();
        assertThat(new WebhookSignature("another").verify(1_795_000_000L, BODY, signature)).as("another secret").isFalse();
        assertThat(new WebhookSignature("s3cret").verify(1_795_000_001L, BODY, signature)).as("another timestamp").isFalse();
        assertThat(new WebhookSignature("s3cret").verify(1_795_000_000L, BODY.replace("completed", "failed"), signature)).as("another body")
                .isFalse();
        assertThat(new WebhookSignature("s3cret").verify(1_795_000_000L, BODY, null)).isFalse();
    }

    @Test
    void theSignatureIsTheDocumentedHmacOfTimestampDotBody() {
        // openssl: printf '%s' '1795000000.{"a":1}' | openssl dgst -sha256 -hmac key
        assertThat(new WebhookSignature("key").sign(1_795_000_000L, "{\"a\":1}"))
                .isEqualTo("sha256=1bd16f4bb96630234f5d9db1391a58d04079ea2aaf515271f43b4b91dcdfe987");
    }

    @Test
    void aWebhookWithoutItsSecretIsAConfigurationErrorNamingTheVariable() {
        assertThatThrownBy(() -> DeliveryConfig.from(new Env(Map.of("WEBHOOK_URL", "https://hooks.example.com/x"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("WEBHOOK_SECRET");
        assertThatThrownBy(() -> DeliveryConfig.from(new Env(Map.of("WEBHOOK_URL", "ftp://hooks.example.com/x", "WEBHOOK_SECRET", "k"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("WEBHOOK_URL");
        assertThat(DeliveryConfig.from(new Env(Map.of("RESULTS_QUEUE", ""))).relays()).as("nowhere to deliver: no relay").isFalse();
        assertThat(DeliveryConfig.from(new Env(Map.of())).resultsQueue()).isEqualTo("queue:results");
    }
}
