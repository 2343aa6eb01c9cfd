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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Row 5: peak RSS of each worker (JVM heap capped at 256 MB) while it handles a large archive and an
 * archive of many small files: the workers stream, so memory stays flat whatever the size.
 */
final class MemoryBench {
    static Map<String, Double> run(BenchEnv e, long bigMegabytes, int smallFiles, int gpuFiles) throws Exception {
        Map<String, Double> peaks = new LinkedHashMap<>();
        e.reset();
        Map<String, String> env = new HashMap<>(e.env);
        env.put("JAVA_OPTS", "-Xmx256m");
        env.put("NODE_NAME", "bench-mem");
        Path scratch = e.work.resolve("mem-scratch");
        BatchCompletion.removeTree(scratch);
        env.put("SCRATCH_ROOT", scratch.toString());
        env.put("STAGING_DIR", e.work.resolve("mem-staging").toString());
        env.put("TRANSCRIBER", "pocketsphinx");
        env.put("TRANSFER_POLL_INTERVAL", "100ms");

        // the large archive: one big incompressible file (not a recording) and one recording, as a plain tar
        Path big = Workloads.randomFile(e.work.resolve("mem/big.bin"), bigMegabytes);
        Path bigArchive = e.work.resolve("mem/big-" + bigMegabytes + "MB.tar");
        if (!Files.exists(bigArchive)) {
            new ArchiveBuilder().file("data/big.bin", big).file("calls/one.mp3", Workloads.speechMp3s(e.work.resolve("speech"), 1).get(0))
                    .writeTar(bigArchive);
        }
        Path inbox = e.work.resolve("mem-inbox");
        BatchCompletion.removeTree(inbox);
        Files.createDirectories(inbox);
        Files.createLink(inbox.resolve(bigArchive.getFileName()), bigArchive);
        env.put("TRANSFER_SOURCE", inbox.toUri().toString());
        try (ChildProgram transfer = ChildProgram.start("transfer-worker", env, e.work.resolve("logs"), "--once");
             RssSampler rss = new RssSampler(transfer.pid())) {
            if (transfer.waitFor(1800) != 0) {
                throw new IllegalStateException("transfer failed; see " + transfer.logFile());
            }
            peaks.put("transfer-worker, " + bigMegabytes + " MB archive", rss.peakMb());
        }
        try (ChildProgram unpack = PipelineRuns.startAndAwait(e, "unpack-worker", env, QueueKeys.unpack());
             RssSampler rss = new RssSampler(unpack.pid())) {
            BatchTracker tracker = new BatchTracker(e.redis);
            PipelineRuns.await(Duration.ofMinutes(30), () -> e.redis.llen(QueueKeys.transcribe("bench-mem").main()) == 1, "big unpack did not finish");
            peaks.put("unpack-worker, " + bigMegabytes + " MB archive", rss.peakMb());
            e.redis.del(QueueKeys.transcribe("bench-mem").main());

            List<Path> tones = new ArrayList<>();
            Path toneDir = Files.createDirectories(e.work.resolve("mem/tones"));
            for (int i = 0; i < smallFiles; i++) {
                Path wav = toneDir.resolve(i + ".wav");
                if (!Files.exists(wav)) {
                    AudioFixtures.tone(wav, 1.0, 16_000, 300 + i % 500);
                }
                tones.add(wav);
            }
            ArchiveBuilder builder = new ArchiveBuilder();
            for (int i = 0; i < tones.size(); i++) {
                builder.file("small/" + (i / 100) + "/clip-" + i + ".wav", tones.get(i));
            }
            UnpackJob small = PipelineRuns.publish(e, builder.writeTarGz(e.work.resolve("mem/small-" + smallFiles + ".tar.gz")));
            PipelineRuns.await(Duration.ofMinutes(30), () -> tracker.counts(small.batchId()).total() != null
                    && e.redis.llen(QueueKeys.transcribe("bench-mem").main()) == smallFiles, "small unpack did not finish");
            peaks.put("unpack-worker, " + smallFiles + " small files", rss.peakMb());
            e.redis.del(QueueKeys.transcribe("bench-mem").main());
            unpack.terminate(60);
        }
        // the GPU worker over many short spoken files
        TranscriptionRun gpu = TranscriptionRun.withRss(e, env, gpuFiles);
        peaks.put("gpu-worker, " + gpuFiles + " small files (JVM only; the bridge is a separate process)", gpu.peakMb());
        return peaks;
    }

    static String markdown(Map<String, Double> peaks) {
        StringBuilder out = new StringBuilder("| worker and workload | peak RSS (MB) | goal |\n|---|---|---|\n");
        peaks.forEach((k, v) -> out.append(String.format(Locale.ROOT, "| %s | %.0f | heap ≤ 256 MB (-Xmx256m), RSS flat |%n", k, v)));
        return out.toString();
    }
}
