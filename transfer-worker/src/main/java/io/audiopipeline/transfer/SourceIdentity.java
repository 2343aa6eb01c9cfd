package io.audiopipeline.transfer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * What says a local source file is still the one being read: its size, modification time and file
 * identity (device and inode). Taken before and after reading it in place; any difference means the
 * file was written to, replaced or renamed over, and what was read is not published.
 */
record SourceIdentity(long sizeBytes, Instant modifiedAt, Object fileKey) {
    static SourceIdentity of(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return new SourceIdentity(a.size(), a.lastModifiedTime().toInstant().truncatedTo(ChronoUnit.MILLIS), a.fileKey());
    }

    /** Whether this is the file version the listing saw. */
    boolean isListed(SourceFile listed) {
        return sizeBytes == listed.sizeBytes() && modifiedAt.equals(listed.modifiedAt().truncatedTo(ChronoUnit.MILLIS));
    }
}
