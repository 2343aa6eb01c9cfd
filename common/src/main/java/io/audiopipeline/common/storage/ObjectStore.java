package io.audiopipeline.common.storage;

import io.audiopipeline.common.config.S3Config;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.transfer.s3.S3TransferManager;
import software.amazon.awssdk.transfer.s3.model.UploadFileRequest;
import software.amazon.awssdk.transfer.s3.progress.TransferListener;

/**
 * The bucket, through AWS SDK v2. Uploads at or above the multipart threshold go through the SDK's
 * transfer manager (parts in parallel); smaller ones are one PUT with Content-MD5, which the server
 * checks. Every upload carries the file's SHA-256 as metadata and is verified (size and SHA-256) with a
 * HEAD before this method returns; every download is hashed while streaming into a {@code .part} file,
 * checked, then renamed. Files are streamed, never held in memory.
 */
public final class ObjectStore implements AutoCloseable {
    public static final String SHA256_METADATA = "sha256";

    private final S3Config config;
    private final S3Client s3;
    private final S3AsyncClient multipartS3;
    private final S3TransferManager transfers;

    public ObjectStore(S3Config config) {
        this.config = config;
        S3Clients clients = S3Clients.of(config);
        this.s3 = clients.sync();
        this.multipartS3 = clients.async();
        this.transfers = S3TransferManager.builder().s3Client(multipartS3).build();
    }

    public S3Config config() {
        return config;
    }

    public String bucket() {
        return config.bucket();
    }

    /** Fails when the bucket cannot be reached (start-up check, readiness). */
    public void checkBucket() {
        s3.headBucket(b -> b.bucket(config.bucket()));
    }

    /** Creates the bucket unless it exists (demo and tests; production buckets are provisioned). */
    public void createBucketIfMissing() {
        try {
            checkBucket();
        } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(config.bucket()));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            s3.createBucket(b -> b.bucket(config.bucket()));
        }
    }

    /**
     * Uploads {@code file} to {@code key} and verifies it. An object already there with the same size and
     * SHA-256 is kept as it is (a retried upload after a crash costs a HEAD, not a transfer).
     */
    public StoredObject upload(Path file, String key, TransferProgress progress) throws IOException {
        return upload(file, key, progress, true);
    }

    /**
     * As above; {@code mayExist} false when no earlier attempt can have written {@code key} (a key new to
     * this attempt): the HEAD that looks for an intact earlier upload is then skipped.
     */
    public StoredObject upload(Path file, String key, TransferProgress progress, boolean mayExist) throws IOException {
        Checksums sums = Checksums.of(file);
        Optional<StoredObject> existing = mayExist ? head(key) : Optional.empty();
        if (existing.isPresent() && existing.get().sizeBytes() == sums.sizeBytes() && sums.sha256().equals(existing.get().sha256())) {
            progress.update(sums.sizeBytes(), sums.sizeBytes());
            return existing.get();
        }
        PutObjectRequest put = PutObjectRequest.builder().bucket(config.bucket()).key(key)
                .metadata(Map.of(SHA256_METADATA, sums.sha256())).build();
        if (sums.sizeBytes() >= config.multipartThresholdBytes()) {
            uploadMultipart(file, put, sums.sizeBytes(), progress);
        } else {
            String etag = s3.putObject(put.toBuilder().contentMD5(sums.md5Base64()).contentLength(sums.sizeBytes()).build(),
                    RequestBody.fromFile(file)).eTag();
            progress.update(sums.sizeBytes(), sums.sizeBytes());
            if (sums.md5Hex().equalsIgnoreCase(etag == null ? "" : etag.replace("\"", ""))) {
                // the store acknowledged exactly these bytes (a single PUT's ETag is their MD5, which it checked
                // against Content-MD5): no HEAD needed to verify
                return new StoredObject(key, sums.sizeBytes(), sums.sha256());
            }
        }
        StoredObject stored = head(key).orElseThrow(() -> new IntegrityException("s3://" + bucket() + "/" + key + " is missing right after its upload"));
        if (stored.sizeBytes() != sums.sizeBytes() || !sums.sha256().equals(stored.sha256())) {
            throw new IntegrityException("upload of " + file + " to " + key + " did not verify: expected " + sums.sizeBytes()
                    + " bytes sha256 " + sums.sha256() + ", store has " + stored.sizeBytes() + " bytes sha256 " + stored.sha256());
        }
        return stored;
    }

    /**
     * Uploads a stream read once, hashing it as it goes (see {@link StreamUpload}), and verifies the stored
     * object's size. Returns the SHA-256 of the bytes read: the caller knows then what it uploaded.
     */
    public StoredObject uploadStream(InputStream in, String key, long sizeBytes, TransferProgress progress) throws IOException {
        StoredObject sent = new StreamUpload(s3, multipartS3, config).upload(in, key, sizeBytes, progress);
        StoredObject stored = head(key).orElseThrow(() -> new IntegrityException("s3://" + bucket() + "/" + key + " is missing right after its upload"));
        if (stored.sizeBytes() != sent.sizeBytes() || stored.sha256() != null && !stored.sha256().equals(sent.sha256())) {
            throw new IntegrityException("upload to " + key + " did not verify: sent " + sent.sizeBytes() + " bytes sha256 " + sent.sha256()
                    + ", store has " + stored.sizeBytes() + " bytes");
        }
        return sent;
    }

    private void uploadMultipart(Path file, PutObjectRequest put, long size, TransferProgress progress) throws IOException {
        TransferListener listener = new TransferListener() {
            private long reported;

            /** Parts finish on several threads: their snapshots can arrive out of order, and progress never goes back. */
            @Override
            public synchronized void bytesTransferred(Context.BytesTransferred context) {
                long done = context.progressSnapshot().transferredBytes();
                if (done > reported) {
                    reported = done;
                    progress.update(done, size);
                }
            }
        };
        try {
            transfers.uploadFile(UploadFileRequest.builder().putObjectRequest(put).source(file).addTransferListener(listener).build())
                    .completionFuture().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException("multipart upload of " + file + " failed: " + cause.getMessage(), cause);
        }
        synchronized (listener) {
            progress.update(size, size);
        }
    }

    /**
     * Downloads {@code key} to {@code target} through {@code target.part}, hashing while streaming. The
     * bytes must match {@code expectedSize}/{@code expectedSha256} when given, else the object's own
     * SHA-256 metadata when it has one. On any mismatch the {@code .part} file is removed.
     */
    public StoredObject download(String key, Path target, Long expectedSize, String expectedSha256, TransferProgress progress)
            throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        MessageDigest sha = Checksums.sha256Digest();
        long size;
        GetObjectResponse response;
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(config.bucket()).key(key));
             OutputStream out = Files.newOutputStream(part)) {
            response = in.response();
            long total = response.contentLength() == null ? -1 : response.contentLength();
            size = Checksums.copyHashing(in, out, sha, progress, total);
        } catch (NoSuchKeyException e) {
            Files.deleteIfExists(part);
            throw new MissingObjectException(config.bucket(), key);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        String wanted = expectedSha256 != null ? expectedSha256 : response.metadata().get(SHA256_METADATA);
        long wantedSize = expectedSize != null ? expectedSize : (response.contentLength() == null ? size : response.contentLength());
        if (size != wantedSize || (wanted != null && !wanted.equals(actual))) {
            Files.deleteIfExists(part);
            throw new IntegrityException("download of " + key + " is corrupt: expected " + wantedSize + " bytes sha256 " + wanted
                    + ", got " + size + " bytes sha256 " + actual);
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new StoredObject(key, size, actual);
    }

    public Optional<StoredObject> head(String key) {
        try {
            HeadObjectResponse head = s3.headObject(b -> b.bucket(config.bucket()).key(key));
            return Optional.of(new StoredObject(key, head.contentLength(), head.metadata().get(SHA256_METADATA)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Sets a lifecycle rule expiring objects under {@code prefix} after {@code days}. Returns false when the
     * service does not implement lifecycle rules (it answers 501), so the caller can say so.
     */
    public boolean expireAfter(String prefix, int days) {
        var rule = software.amazon.awssdk.services.s3.model.LifecycleRule.builder()
                .id("audio-pipeline-expire-" + prefix.replaceAll("[^A-Za-z0-9]", "-"))
                .filter(f -> f.prefix(prefix))
                .expiration(e -> e.days(days))
                .status(software.amazon.awssdk.services.s3.model.ExpirationStatus.ENABLED)
                .build();
        try {
            s3.putBucketLifecycleConfiguration(b -> b.bucket(config.bucket()).lifecycleConfiguration(l -> l.rules(rule)));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 501) {
                return false;
            }
            throw e;
        }
    }

    public boolean exists(String key) {
        return head(key).isPresent();
    }

    public void delete(String key) {
        s3.deleteObject(b -> b.bucket(config.bucket()).key(key));
    }

    public InputStream open(String key) throws MissingObjectException {
        try {
            return s3.getObject(b -> b.bucket(config.bucket()).key(key));
        } catch (NoSuchKeyException e) {
            throw new MissingObjectException(config.bucket(), key);
        }
    }

    /** Bytes {@code first}..{@code last} (inclusive; {@code last} null: to the end) of an object, for HTTP range requests. */
    public InputStream openRange(String key, long first, Long last) throws MissingObjectException {
        try {
            return s3.getObject(b -> b.bucket(config.bucket()).key(key).range("bytes=" + first + "-" + (last == null ? "" : last)));
        } catch (NoSuchKeyException e) {
            throw new MissingObjectException(config.bucket(), key);
        }
    }

    public List<StoredObject> list(String prefix) {
        List<StoredObject> found = new ArrayList<>();
        for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(prefix)).contents()) {
            found.add(new StoredObject(object.key(), object.size(), null));
        }
        return found;
    }

    @Override
    public void close() {
        transfers.close();
        multipartS3.close();
        s3.close();
    }
}
