package io.audiopipeline.common.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/** SHA-256 (and MD5, for S3's Content-MD5) of a file, computed in one streaming pass; and copying while hashing. */
public record Checksums(long sizeBytes, String sha256, String md5Base64) {
    private static final int BUFFER = 1 << 16;
    private static final int COPY_BUFFER = 1 << 20;

    public static Checksums of(Path file) throws IOException {
        MessageDigest sha = sha256Digest();
        MessageDigest md5 = digest("MD5");
        long size = 0;
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
                md5.update(buffer, 0, n);
                size += n;
            }
        }
        return new Checksums(size, HexFormat.of().formatHex(sha.digest()), Base64.getEncoder().encodeToString(md5.digest()));
    }

    /** The MD5 in hex, as S3 gives it in a single PUT's ETag. */
    public String md5Hex() {
        return md5Base64 == null ? "" : HexFormat.of().formatHex(Base64.getDecoder().decode(md5Base64));
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest sha = sha256Digest();
        try (InputStream in = Files.newInputStream(file)) {
            copyHashing(in, OutputStream.nullOutputStream(), sha, TransferProgress.NONE, -1);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Copies {@code in} to {@code out}, feeding every byte to {@code sha} on the way; returns the number of bytes. */
    public static long copyHashing(InputStream in, OutputStream out, MessageDigest sha, TransferProgress progress, long totalBytes)
            throws IOException {
        byte[] buffer = new byte[COPY_BUFFER];
        long size = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            sha.update(buffer, 0, n);
            out.write(buffer, 0, n);
            size += n;
            progress.update(size, totalBytes);
        }
        return size;
    }

    public static MessageDigest sha256Digest() {
        return digest("SHA-256");
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JRE", e);
        }
    }
}
