package io.audiopipeline.bench;

import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.sandbox.ArchiveBuilder;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.sandbox.ChildProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Row 5: peak RSS of each worker (JVM heap capped at 256 MB) while it handles a large archive and an
 * archive of many small files: the workers stream, so memory stays flat whatever the size.
 */
final class MemoryBench {
    private static final String NODE = "bench-mem";
    private static final Duration LIMIT = Duration.ofMinutes(30);

    private MemoryBench() {
    }

    static Map<String, Double> run(BenchEnv e, long bigMegabytes, int smallFiles, int gpuFiles) throws Exception {
        Map<String, Double> peaks = new LinkedHashMap<>();
        e.reset();
        Path scratch = e.work.resolve("mem-scratch");
        BatchCompletion.removeTree(scratch);
        Path inbox = e.work.resolve("mem-inbox");
        BatchCompletion.removeTree(inbox);
        Files.createDirectories(inbox);
        Map<String, String> env = new HashMap<>(e.env);
        env.put("JAVA_OPTS", "-Xmx256m");
        env.put("NODE_NAME", NODE);
        env.put("SCRATCH_ROOT", scratch.toString());
        env.put("STAGING_DIR", e.work.resolve("mem-staging").toString());
        env.put("TRANSCRIBER", "pocketsphinx");
        env.put("TRANSFER_POLL_INTERVAL", "100ms");
        env.put("TRANSFER_SOURCE", inbox.toUri().toString());

        Path big = bigArchive(e, bigMegabytes);
        Files.createLink(inbox.resolve(big.getFileName()), big);
        peaks.put("transfer-worker, " + bigMegabytes + " MB archive", transferPeak(e, env));
        try (ChildProgram unpack = PipelineRuns.startAndAwait(e, "unpack-worker", env, QueueKeys.unpack());
             RssSampler rss = new RssSampler(unpack.pid())) {
            PipelineRuns.await(LIMIT, () -> e.redis.llen(QueueKeys.transcribe(NODE).main()) == 1, "big unpack did not finish");
            peaks.put("unpack-worker, " + bigMegabytes + " MB archive", rss.peakMb());
            e.redis.del(QueueKeys.transcribe(NODE).main());

            UnpackJob small = PipelineRuns.publish(e, smallArchive(e, smallFiles));
            BatchTracker tracker = new BatchTracker(e.redis);
            PipelineRuns.await(LIMIT, () -> tracker.counts(small.batchId()).total() != null
                    && e.redis.llen(QueueKeys.transcribe(NODE).main()) == smallFiles, "small unpack did not finish");
            peaks.put("unpack-worker, " + smallFiles + " small files", rss.peakMb());
            e.redis.del(QueueKeys.transcribe(NODE).main());
            unpack.terminate(60);
        }
        // the GPU worker over many short spoken files
        TranscriptionRun gpu = TranscriptionRun.withRss(e, env, gpuFiles);
        peaks.put("gpu-worker, " + gpuFiles + " small files (JVM only; the bridge is a separate process)", gpu.peakMb());
        return peaks;
    }

    /** One big incompressible file (not a recording) and one recording, as a plain tar (kept between runs). */
    private static Path bigArchive(BenchEnv e, long megabytes) throws Exception {
        Path archive = e.work.resolve("mem/big-" + megabytes + "MB.tar");
        if (!Files.exists(archive)) {
            Path big = Workloads.randomFile(e.work.resolve("mem/big.bin"), megabytes);
            new ArchiveBuilder().file("data/big.bin", big).file("calls/one.mp3", Workloads.speechMp3s(e.work.resolve("speech"), 1).get(0))
                    .writeTar(archive);
        }
        return archive;
    }

    /** The transfer worker's peak RSS while it moves what the inbox holds ({@code --once}). */
    private static double transferPeak(BenchEnv e, Map<String, String> env) throws Exception {
        try (ChildProgram transfer = ChildProgram.start("transfer-worker", env, e.work.resolve("logs"), "--once");
             RssSampler rss = new RssSampler(transfer.pid())) {
            if (transfer.waitFor(LIMIT.toSeconds()) != 0) {
                throw new IllegalStateException("transfer failed; see " + transfer.logFile());
            }
            return rss.peakMb();
        }
    }

    /** {@code files} one-second tones in a tar.gz, a hundred per folder. */
    private static Path smallArchive(BenchEnv e, int files) throws Exception {
        Path toneDir = Files.createDirectories(e.work.resolve("mem/tones"));
        ArchiveBuilder builder = new ArchiveBuilder();
        for (int i = 0; i < files; i++) {
            Path wav = toneDir.resolve(i + ".wav");
            if (!Files.exists(wav)) {
                AudioFixtures.tone(wav, 1.0, 16_000, 300 + i % 500);
            }
            builder.file("small/" + (i / 100) + "/clip-" + i + ".wav", wav);
        }
        return builder.writeTarGz(e.work.resolve("mem/small-" + files + ".tar.gz"));
    }

    static String markdown(Map<String, Double> peaks) {
        StringBuilder out = new StringBuilder("| worker and workload | peak RSS (MB) | goal |\n|---|---|---|\n");
        peaks.forEach((k, v) -> out.append(String.format(Locale.ROOT, "| %s | %.0f | heap ≤ 256 MB (-Xmx256m), RSS flat |%n", k, v)));
        return out.toString();
    }
}
