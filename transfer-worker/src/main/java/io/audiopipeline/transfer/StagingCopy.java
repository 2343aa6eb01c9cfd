package io.audiopipeline.transfer;

import io.audiopipeline.common.storage.Checksums;
import io.audiopipeline.common.storage.TransferProgress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Writes a remote archive into a staging file and returns the SHA-256 of the bytes written, hashed as
 * they are written. (A local source is not staged: it is read once in place, see ArchiveTransfer.)
 */
final class StagingCopy {
    private StagingCopy() {
    }

    /** Copies {@code in} to {@code target}; returns the number of bytes and their SHA-256. */
    static Staged fromStream(InputStream in, Path target, long expectedBytes, TransferProgress progress) throws IOException {
        MessageDigest sha = Checksums.sha256Digest();
        long size;
        try (OutputStream out = Files.newOutputStream(target)) {
            size = Checksums.copyHashing(in, out, sha, progress, expectedBytes);
        }
        return new Staged(size, HexFormat.of().formatHex(sha.digest()));
    }

    /** What was staged: its size and SHA-256 (hex). */
    record Staged(long sizeBytes, String sha256) {
    }
}
