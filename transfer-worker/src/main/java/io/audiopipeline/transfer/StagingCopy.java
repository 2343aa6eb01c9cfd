package io.audiopipeline.transfer;

import io.audiopipeline.common.storage.Checksums;
import io.audiopipeline.common.storage.TransferProgress;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes one archive into a staging file and returns the SHA-256 of the bytes written. A remote source
 * is a stream, hashed as it is written. A local source is copied by the kernel (no pass through the
 * JVM) in large chunks, and each chunk is hashed by a second thread as soon as it is in the staging
 * file, reading it back: the copy and the hash overlap, and the hash is of the staged bytes themselves,
 * the ones that are uploaded.
 */
final class StagingCopy {
    static final long CHUNK = 32L << 20;
    private static final int BUFFER = 1 << 20;

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

    /** Copies the local file {@code source} to {@code target}; returns the number of bytes and their SHA-256. */
    static Staged fromFile(Path source, Path target, long expectedBytes, TransferProgress progress) throws IOException {
        MessageDigest sha = Checksums.sha256Digest();
        ExecutorService hasher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "staging-hash");
            t.setDaemon(true);
            return t;
        });
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                     StandardOpenOption.WRITE);
             FileChannel written = FileChannel.open(target, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            long size = 0;
            Future<?> hashed = null;
            while (true) {
                long n = in.transferTo(size, CHUNK, out);
                if (n <= 0) {
                    break;
                }
                long from = size;
                hashed = hasher.submit(() -> {
                    hashRegion(written, from, n, sha, buffer);
                    return null;
                });
                size += n;
                progress.update(size, expectedBytes);
            }
            if (hashed != null) {
                hashed.get();
            }
            return new Staged(size, HexFormat.of().formatHex(sha.digest()));
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("hashing the staged copy failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("staging copy of " + source + " interrupted");
        } finally {
            hasher.shutdownNow();
        }
    }

    private static void hashRegion(FileChannel channel, long from, long length, MessageDigest sha, ByteBuffer buffer) throws IOException {
        long position = from;
        long end = from + length;
        while (position < end) {
            buffer.clear().limit((int) Math.min(BUFFER, end - position));
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new IOException("staged copy is shorter than what was written to it (at byte " + position + ")");
            }
            buffer.flip();
            sha.update(buffer);
            position += n;
        }
    }

    /** What was staged: its size and SHA-256 (hex). */
    record Staged(long sizeBytes, String sha256) {
    }
}
