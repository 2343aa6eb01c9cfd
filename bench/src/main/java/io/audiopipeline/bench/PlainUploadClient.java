package io.audiopipeline.bench;

import io.audiopipeline.sandbox.EmbeddedS3;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/**
 * The transfer row's baseline: a plain SDK upload program, in a JVM of its own as the transfer worker
 * is, with the client at its best settings (Java multipart client, 16 MB parts, 256 MB in flight). It
 * keeps one client for its life, reads an object key per line on stdin, uploads the file to it and
 * prints the seconds the upload took.
 *
 * <p>usage: PlainUploadClient ENDPOINT BUCKET FILE
 */
public final class PlainUploadClient {
    /** Starts the line that answers an upload: the seconds it took follow. */
    static final String ANSWER = "uploaded in ";

    private PlainUploadClient() {
    }

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        String bucket = args[1];
        Path file = Path.of(args[2]);
        try (S3AsyncClient client = S3AsyncClient.builder().region(Region.US_EAST_1).endpointOverride(endpoint).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .multipartEnabled(true).multipartConfiguration(m -> m.minimumPartSizeInBytes(16L << 20).thresholdInBytes(16L << 20)
                        .apiCallBufferSizeInBytes(256L << 20))
                .build();
             S3TransferManager transfers = S3TransferManager.builder().s3Client(client).build();
             BufferedReader keys = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String key = keys.readLine(); key != null; key = keys.readLine()) {
                String k = key.strip();
                long start = System.nanoTime();
                transfers.uploadFile(u -> u.source(file).putObjectRequest(p -> p.bucket(bucket).key(k))).completionFuture().join();
                System.out.println(ANSWER + String.format(Locale.ROOT, "%.6f", (System.nanoTime() - start) / 1e9));
                System.out.flush();
            }
        }
    }
}
