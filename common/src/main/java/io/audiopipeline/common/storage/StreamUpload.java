package io.audiopipeline.common.storage;

import io.audiopipeline.common.config.S3Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.zip.CRC32C;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Uploads a stream read exactly once: its SHA-256 is computed as it is read, and each part goes to S3
 * through the asynchronous (Netty) client with its own checksum in a header (S3_PART_CHECKSUM: CRC32C or
 * Content-MD5), which the store checks before it keeps the part, while the next parts are read: up to
 * S3_UPLOAD_CONCURRENCY parts in flight (fewer when a third of the heap cannot hold them), so reading and
 * sending overlap and memory stays at that many parts.
 * A stream no longer than one part is one PUT that also carries the SHA-256 as metadata; a multipart
 * object cannot (its hash is known only at the end), and is verified by its size, its parts by their
 * checksums. A single PUT always carries Content-MD5 (its ETag is then that MD5, whatever the setting).
 * A failed multipart upload is aborted.
 */
final class StreamUpload {
    private static final int SLICE_BYTES = 2 * 1024 * 1024;
    private final S3Client s3;
    private final S3AsyncClient parts;
    private final S3Config config;

    StreamUpload(S3Client s3, S3AsyncClient parts, S3Config config) {
        this.s3 = s3;
        this.parts = parts;
        this.config = config;
    }

    /** Uploads {@code in} (expected to hold {@code sizeBytes}) to {@code key}; returns the size and SHA-256 of what was read and stored. */
    StoredObject upload(InputStream in, String key, long sizeBytes, TransferProgress progress) throws IOException {
        int partSize = (int) Math.min(Integer.MAX_VALUE - 8, config.multipartPartSizeBytes());
        MessageDigest sha = Checksums.sha256Digest();
        byte[] first = sizeBytes < partSize ? in.readNBytes(partSize) : readPart(in, partSize);
        sha.update(first);
        if (first.length < partSize) {
            return single(key, first, sha, progress);
        }
        return multipart(in, key, first, sha, partSize, sizeBytes, progress);
    }

    private StoredObject single(String key, byte[] bytes, MessageDigest sha, TransferProgress progress) {
        String sha256 = HexFormat.of().formatHex(sha.digest());
        s3.putObject(PutObjectRequest.builder().bucket(config.bucket()).key(key).metadata(Map.of(ObjectStore.SHA256_METADATA, sha256))
                .contentMD5(md5(bytes)).contentLength((long) bytes.length).build(), body(bytes));
        progress.update(bytes.length, bytes.length);
        return new StoredObject(key, bytes.length, sha256);
    }

    private StoredObject multipart(InputStream in, String key, byte[] first, MessageDigest sha, int partSize, long sizeBytes,
                                   TransferProgress progress) throws IOException {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(config.bucket()).key(key).checksumAlgorithm(partChecksumAlgorithm()))
                .uploadId();
        int inFlight = partsInFlight(partSize);
        ExecutorService senders = Executors.newFixedThreadPool(inFlight, r -> {
            Thread t = new Thread(r, "s3-part");
            t.setDaemon(true);
            return t;
        });
        Semaphore slots = new Semaphore(inFlight);
        List<Future<CompletedPart>> parts = new ArrayList<>();
        long read = 0;
        try {
            byte[] part = first;
            for (int number = 1; part.length > 0; number++) {
                if (number > 1) {
                    sha.update(part);
                }
                read += part.length;
                slots.acquire();
                parts.add(senders.submit(send(key, uploadId, number, part, slots)));
                progress.update(read, Math.max(read, sizeBytes));
                part = readPart(in, partSize);
            }
            List<CompletedPart> done = new ArrayList<>();
            for (Future<CompletedPart> f : parts) {
                done.add(f.get());
            }
            s3.completeMultipartUpload(b -> b.bucket(config.bucket()).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(done)));
            return new StoredObject(key, read, HexFormat.of().formatHex(sha.digest()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort(key, uploadId);
            throw new IOException("upload of " + key + " interrupted", e);
        } catch (ExecutionException | RuntimeException | IOException e) {
            abort(key, uploadId);
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IOException("multipart upload of " + key + " failed after " + read + " bytes: " + cause.getMessage(), cause);
        } finally {
            senders.shutdownNow();
        }
    }

    private java.util.concurrent.Callable<CompletedPart> send(String key, String uploadId, int number, byte[] bytes, Semaphore slots) {
        return () -> {
            try {
                UploadPartRequest.Builder part = UploadPartRequest.builder().bucket(config.bucket()).key(key).uploadId(uploadId)
                        .partNumber(number).contentLength((long) bytes.length);
                String crc32c = null;
                if (config.partChecksum() == S3Config.PartChecksum.MD5) {
                    part.contentMD5(md5(bytes));
                } else {
                    crc32c = crc32c(bytes);
                    part.checksumCRC32C(crc32c);
                }
                UploadPartResponse sent = parts.uploadPart(part.build(), asyncBody(bytes)).join();
                return CompletedPart.builder().partNumber(number).eTag(sent.eTag()).checksumCRC32C(crc32c).build();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException cause ? cause : e;
            } finally {
                slots.release();
            }
        };
    }

    /**
     * The next part, read straight into its own array in reads as large as the stream gives (the JDK's
     * {@code readNBytes(int)} reads 8 KB at a time into a chain of buffers and copies them once more); only
     * a short last part is copied, to its length. The array is made only once a byte has come: the end of
     * the stream costs no part-sized array.
     */
    private static byte[] readPart(InputStream in, int partSize) throws IOException {
        int first = in.read();
        if (first < 0) {
            return new byte[0];
        }
        byte[] part = new byte[partSize];
        part[0] = (byte) first;
        int n = 1 + in.readNBytes(part, 1, partSize - 1);
        return n == partSize ? part : Arrays.copyOf(part, n);
    }

    /** The algorithm the multipart upload declares for its parts' checksums: none when they carry Content-MD5. */
    private ChecksumAlgorithm partChecksumAlgorithm() {
        return config.partChecksum() == S3Config.PartChecksum.CRC32C ? ChecksumAlgorithm.CRC32_C : null;
    }

    private void abort(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(config.bucket()).key(key).uploadId(uploadId));
        } catch (RuntimeException ignored) {
            // the store is away: its lifecycle rules clean up incomplete uploads
        }
    }

    /**
     * Parts in flight: S3_UPLOAD_CONCURRENCY, as far as a third of the heap holds them (with the part being
     * read), so a worker with a small heap uploads with fewer parts at once rather than running out of memory.
     */
    private int partsInFlight(int partSize) {
        long fits = Runtime.getRuntime().maxMemory() / 3 / partSize - 1;
        return (int) Math.max(1, Math.min(config.uploadConcurrency(), fits));
    }

    /**
     * The part's bytes as a body of slices, not copied: the HTTP client copies each slice into a pooled
     * native buffer as it writes it, so native memory stays at a few slices per connection (one slice of
     * the whole part would take a native copy of the part for as long as it is sent).
     */
    private static AsyncRequestBody asyncBody(byte[] bytes) {
        ByteBuffer[] slices = new ByteBuffer[(bytes.length + SLICE_BYTES - 1) / SLICE_BYTES];
        for (int i = 0; i < slices.length; i++) {
            int offset = i * SLICE_BYTES;
            slices[i] = ByteBuffer.wrap(bytes, offset, Math.min(SLICE_BYTES, bytes.length - offset)).slice();
        }
        return AsyncRequestBody.fromByteBuffersUnsafe(slices);
    }

    /** The part's bytes as a body, not copied (the SDK's byte-array bodies copy them). */
    private static RequestBody body(byte[] bytes) {
        return RequestBody.fromContentProvider(() -> new java.io.ByteArrayInputStream(bytes), bytes.length, "application/octet-stream");
    }

    /**
     * The part's CRC32C, sent as a header: the store checks it before it keeps the part (the SDK would send
     * a checksum it computes as a trailer after the body, which not every S3-compatible server checks).
     */
    private static String crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(Integer.BYTES).putInt((int) crc.getValue()).array());
    }

    private static String md5(byte[] bytes) {
        return Base64.getEncoder().encodeToString(Checksums.digest("MD5").digest(bytes));
    }
}
