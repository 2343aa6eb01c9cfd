package io.audiopipeline.common.batch;

import io.audiopipeline.common.config.ConfigException;
import io.audiopipeline.common.config.Env;

/** What happens to a batch's source archive in S3 once the batch completed (ARCHIVE_RETENTION). */
public enum ArchiveRetention {
    KEEP, DELETE;

    public static ArchiveRetention from(Env env) {
        String value = env.string("ARCHIVE_RETENTION", "keep");
        return switch (value) {
            case "keep" -> KEEP;
            case "delete" -> DELETE;
            default -> throw new ConfigException("ARCHIVE_RETENTION", "must be keep or delete, got '" + value + "'");
        };
    }
}
