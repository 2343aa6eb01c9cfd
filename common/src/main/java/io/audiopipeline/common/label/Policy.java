package io.audiopipeline.common.label;

import io.audiopipeline.common.storage.Checksums;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** A content policy as the labeller reads it: known by its name and, per version, by the SHA-256 of its text. */
public record Policy(String name, String sha256, String text) {
    public static Policy of(String name, String text) {
        return new Policy(name, HexFormat.of().formatHex(Checksums.sha256Digest().digest(text.getBytes(StandardCharsets.UTF_8))), text);
    }

    /** The first 12 hex digits of the version, for logs and tables. */
    public String shortVersion() {
        return sha256.substring(0, 12);
    }
}
