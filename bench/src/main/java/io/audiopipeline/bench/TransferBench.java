package io.audiopipeline.bench;

import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.testing.S3ProxyServer;
import io.audiopipeline.common.testing.WorkerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

/**
 * Row 2: a large archive through a running transfer worker (file:// → S3) vs one plain SDK multipart
 * upload. Both sides are measured warm: the worker is started once and takes one archive before the
 * timed ones, as a transfer worker in service does; the baseline uploads once before its timed runs too.
 * The pipeline time runs from the archive's {@code .done} marker appearing to its unpack job being on
 * the queue, so it includes finding the archive (the worker polls every 100 ms).
 */
final class TransferBench {
    static Row run(BenchEnv e, long megabytes, int reps) throws Exception {
        Path source = Workloads.randomFile(e.work.resolve("transfer-src/big.tar.gz"), megabytes);
        Path inbox = e.work.resolve("transfer-inbox");
        Row row = new Row("transfer: " + megabytes + " MB archive, file:// → S3", "s");
        row.goal = "≤ 1.10";
        List<Double> workerCpus = new ArrayList<>();
        List<Double> pipelineServerCpus = new ArrayList<>();
        List<Double> baselineCpus = new ArrayList<>();
        e.reset();
        BatchCompletion.removeTree(inbox);
        Files.createDirectories(inbox);
        Map<String, String> env = new HashMap<>(e.env);
        env.put("STAGING_DIR", e.work.resolve("staging").toString());
        env.put("TRANSFER_SOURCE", inbox.toUri().toString());
        env.put("TRANSFER_POLL_INTERVAL", "100ms");
        env.put("TRANSFER_REQUIRE_MARKER", "true");
        env.put("TRANSFER_SOURCE_AFTER", "delete");
        env.put("NODE_NAME", "bench-transfer");
        try (WorkerProcess worker = WorkerProcess.start("transfer-worker", env, e.work.resolve("logs"))) {
            rawUpload(e, source, "raw/warm-up");
            arrive(e, worker, source, inbox, "warm-up.tar.gz", 1);
            long self = ProcessHandle.current().pid();
            for (int rep = 0; rep < reps; rep++) {
                double workerCpu = CpuMeter.seconds(worker.pid());
                double serverCpu = CpuMeter.seconds(self);
                row.pipeline.add(arrive(e, worker, source, inbox, "big-" + rep + ".tar.gz", rep + 2));
                workerCpus.add(CpuMeter.seconds(worker.pid()) - workerCpu);
                pipelineServerCpus.add(CpuMeter.seconds(self) - serverCpu);
                serverCpu = CpuMeter.seconds(self);
                row.baseline.add(rawUpload(e, source, "raw/big-" + rep));
                baselineCpus.add(CpuMeter.seconds(self) - serverCpu);
            }
            worker.terminate(120);
        }
        row.extra.put("CPU s per archive: pipeline worker + S3 server", String.format(Locale.ROOT, "%.1f + %.1f",
                Row.median(workerCpus), Row.median(pipelineServerCpus)));
        row.extra.put("baseline client + S3 server", String.format(Locale.ROOT, "%.1f", Row.median(baselineCpus)));
        double bytes = megabytes * 1048576.0;
        row.extra.put("pipeline MB/s", String.format(Locale.ROOT, "%.0f", bytes / Row.median(row.pipeline) / 1048576));
        row.extra.put("raw MB/s", String.format(Locale.ROOT, "%.0f", bytes / Row.median(row.baseline) / 1048576));
        row.extra.put("pipeline work", "running worker: find the archive, claim, copy to staging + SHA-256, upload, HEAD verify, "
                + "batch row, enqueue, delete source; one warm-up archive first on both sides");
        return row;
    }

    /** Puts the archive in the inbox with its marker; returns the seconds until the worker has enqueued job number {@code jobs}. */
    private static double arrive(BenchEnv e, WorkerProcess worker, Path source, Path inbox, String name, long jobs) throws Exception {
        Files.createLink(inbox.resolve(name), source);
        long start = System.nanoTime();
        Files.createFile(inbox.resolve(name + ".done"));
        String queue = QueueKeys.unpack().main();
        PipelineRuns.await(Duration.ofMinutes(5), () -> !worker.isAlive() || e.redis.llen(queue) >= jobs,
                "transfer worker did not enqueue " + name + "; see " + worker.logFile());
        if (!worker.isAlive()) {
            throw new IllegalStateException("transfer worker exited; see " + worker.logFile());
        }
        return (System.nanoTime() - start) / 1e9;
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
