package io.audiopipeline.bench;

import io.audiopipeline.common.batch.BatchCompletion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.transfer.s3.S3TransferManager;
import io.audiopipeline.common.testing.S3ProxyServer;

/** Row 2: a large archive through the transfer worker (file:// → S3) vs one plain SDK multipart upload. */
final class TransferBench {
    static Row run(BenchEnv e, long megabytes, int reps) throws Exception {
        Path source = Workloads.randomFile(e.work.resolve("transfer-src/big.tar.gz"), megabytes);
        Path inbox = e.work.resolve("transfer-inbox");
        Path empty = Files.createDirectories(e.work.resolve("transfer-empty"));
        Row row = new Row("transfer: " + megabytes + " MB archive, file:// → S3", "s");
        row.goal = "≤ 1.10";
        Map<String, String> env = new HashMap<>(e.env);
        env.put("STAGING_DIR", e.work.resolve("staging").toString());
        env.put("TRANSFER_POLL_INTERVAL", "100ms");
        env.put("NODE_NAME", "bench-transfer");
        String launcher = e.root.resolve("bin/transfer-worker").toString();
        for (int rep = 0; rep < reps; rep++) {
            e.reset();
            BatchCompletion.removeTree(inbox);
            Files.createDirectories(inbox);
            Files.createLink(inbox.resolve("big.tar.gz"), source);
            env.put("TRANSFER_SOURCE", empty.toUri().toString());
            double startup = PipelineRuns.timed(List.of(launcher, "--once"), env);
            env.put("TRANSFER_SOURCE", inbox.toUri().toString());
            double full = PipelineRuns.timed(List.of(launcher, "--once"), env);
            row.pipeline.add(full - startup);
            row.baseline.add(rawUpload(e, source, "raw/big-" + rep));
        }
        double bytes = megabytes * 1048576.0;
        row.extra.put("pipeline MB/s", String.format(Locale.ROOT, "%.0f", bytes / Row.median(row.pipeline) / 1048576));
        row.extra.put("raw MB/s", String.format(Locale.ROOT, "%.0f", bytes / Row.median(row.baseline) / 1048576));
        row.extra.put("pipeline work", "download to staging + SHA-256 + upload + HEAD verify; JVM start subtracted");
        return row;
    }

    /** A plain SDK upload at its best settings: Java multipart client, 16 MB parts, 16 in flight. */
    static double rawUpload(BenchEnv e, Path file, String key) throws Exception {
        try (S3AsyncClient client = S3AsyncClient.builder().region(Region.US_EAST_1).endpointOverride(e.s3.endpoint()).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .multipartEnabled(true).multipartConfiguration(m -> m.minimumPartSizeInBytes(16L << 20).thresholdInBytes(16L << 20)
                        .apiCallBufferSizeInBytes(256L << 20))
                .build();
             S3TransferManager tm = S3TransferManager.builder().s3Client(client).build()) {
            long start = System.nanoTime();
            tm.uploadFile(u -> u.source(file).putObjectRequest(p -> p.bucket(BenchEnv.BUCKET).key(key))).completionFuture().join();
            return (System.nanoTime() - start) / 1e9;
        }
    }
}
