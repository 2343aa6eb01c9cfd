package io.audiopipeline.common.storage;

/** An object in the store: its key, size and SHA-256 (hex, from our metadata; null when absent). */
public record StoredObject(String key, long sizeBytes, String sha256) {
}
