package io.audiopipeline.common.delivery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook's signature: {@code sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>} in
 * {@value #SIGNATURE_HEADER}, the Unix time in seconds in {@value #TIMESTAMP_HEADER}. A receiver recomputes
 * it over the raw body and compares in constant time, and refuses old timestamps (replays).
 */
public final class WebhookSignature {
    public static final String SIGNATURE_HEADER = "X-Audio-Pipeline-Signature";
    public static final String TIMESTAMP_HEADER = "X-Audio-Pipeline-Timestamp";
    public static final String EVENT_ID_HEADER = "X-Audio-Pipeline-Event-Id";
    public static final String EVENT_TYPE_HEADER = "X-Audio-Pipeline-Event";

    private final byte[] secret;

    public WebhookSignature(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    public String sign(long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** True when {@code signature} is this secret's signature of the timestamp and body. */
    public boolean verify(long timestamp, String body, String signature) {
        return signature != null && MessageDigest.isEqual(sign(timestamp, body).getBytes(StandardCharsets.UTF_8),
                signature.getBytes(StandardCharsets.UTF_8));
    }
}
