package io.audiopipeline.transfer;

import java.time.Instant;

/** A file on the export host: its name, full path there, size and modification time. */
public record SourceFile(String name, String path, long sizeBytes, Instant modifiedAt) {
}
