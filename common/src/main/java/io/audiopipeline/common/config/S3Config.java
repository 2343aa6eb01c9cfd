package io.audiopipeline.common.config;

import java.net.URI;
import java.util.Set;

/** Object store settings; an endpoint means an S3-compatible server addressed path-style. */
public record S3Config(URI endpoint, String accessKey, String secretKey, String region, String bucket,
                       String archivePrefix, String processedPrefix,
                       long multipartThresholdBytes, long multipartPartSizeBytes, int uploadConcurrency,
                       PartChecksum partChecksum) {
    /**
     * The checksum each part of a streamed multipart upload carries, which the store checks on receipt:
     * CRC32C (S3's additional checksums; cheap to compute) or Content-MD5 (for S3-compatible servers that
     * reject the {@code x-amz-checksum-*} headers).
     */
    public enum PartChecksum { CRC32C, MD5 }

    public static final String DEFAULT_BUCKET = "audio-pipeline";
    public static final String DEFAULT_REGION = "us-east-1";
    public static final long DEFAULT_MULTIPART_THRESHOLD_BYTES = 100L * 1024 * 1024;
    public static final long DEFAULT_MULTIPART_PART_SIZE_BYTES = 16L * 1024 * 1024;
    public static final long MIN_PART_SIZE_BYTES = 5L * 1024 * 1024;
    public static final int DEFAULT_UPLOAD_CONCURRENCY = 8;

    public static S3Config from(Env env) {
        URI endpoint = env.uri("S3_ENDPOINT", null, Set.of("http", "https"));
        String accessKey = env.string("S3_ACCESS_KEY", null);
        String secretKey = env.string("S3_SECRET_KEY", null);
        if ((accessKey == null) != (secretKey == null)) {
            throw new ConfigException(accessKey == null ? "S3_ACCESS_KEY" : "S3_SECRET_KEY",
                    "is required when " + (accessKey == null ? "S3_SECRET_KEY" : "S3_ACCESS_KEY") + " is set");
        }
        String bucket = env.string("S3_BUCKET", DEFAULT_BUCKET);
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new ConfigException("S3_BUCKET", "is not a valid bucket name: '" + bucket + "'");
        }
        return new S3Config(endpoint, accessKey, secretKey,
                env.string("S3_REGION", DEFAULT_REGION), bucket,
                prefix(env, "S3_ARCHIVE_PREFIX", "archives/"),
                prefix(env, "S3_PROCESSED_PREFIX", "processed/"),
                env.bytes("S3_MULTIPART_THRESHOLD", DEFAULT_MULTIPART_THRESHOLD_BYTES, MIN_PART_SIZE_BYTES),
                env.bytes("S3_MULTIPART_PART_SIZE", DEFAULT_MULTIPART_PART_SIZE_BYTES, MIN_PART_SIZE_BYTES),
                env.integer("S3_UPLOAD_CONCURRENCY", DEFAULT_UPLOAD_CONCURRENCY, 1, 64),
                env.choice("S3_PART_CHECKSUM", PartChecksum.CRC32C, PartChecksum.class));
    }

    private static String prefix(Env env, String name, String defaultValue) {
        String value = env.string(name, defaultValue);
        if (value.startsWith("/")) {
            throw new ConfigException(name, "must not start with '/', got '" + value + "'");
        }
        return value.isEmpty() || value.endsWith("/") ? value : value + "/";
    }
}
