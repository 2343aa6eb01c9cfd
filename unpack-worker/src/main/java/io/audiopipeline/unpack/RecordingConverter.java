package io.audiopipeline.unpack;

import io.audiopipeline.common.storage.Checksums;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts the extracted recordings in parallel on a bounded pool. A recording ffmpeg cannot decode fails alone, with its reason; each source is deleted
 * after its successful conversion. Output names are {@code NNNN-<name>.opus}, numbered in path order,
 * so recordings with the same name in different folders stay distinct.
 */
final class RecordingConverter {
    private static final Logger log = LoggerFactory.getLogger(RecordingConverter.class);

    record Outcome(List<Recording> recordings, double audioSeconds) {
    }

    private final FfmpegConverter ffmpeg;
    private final ExecutorService pool;
    private final UnpackMetrics metrics;

    RecordingConverter(FfmpegConverter ffmpeg, ExecutorService pool, UnpackMetrics metrics) {
        this.ffmpeg = ffmpeg;
        this.pool = pool;
        this.metrics = metrics;
    }

    Outcome convertAll(List<SafeExtractor.Extracted> recordings, Path opusDir) throws IOException, InterruptedException {
        Files.createDirectories(opusDir);
        long started = System.nanoTime();
        AtomicInteger done = new AtomicInteger();
        List<Future<Recording>> futures = new ArrayList<>();
        for (int i = 0; i < recordings.size(); i++) {
            Path source = recordings.get(i).file();
            String original = recordings.get(i).name();
            Path target = opusDir.resolve(String.format(Locale.ROOT, "%04d-%s.opus", i + 1, safeName(original)));
            futures.add(pool.submit(() -> {
                Recording r = convertOne(source, original, target);
                int n = done.incrementAndGet();
                if (n % 25 == 0 || n == recordings.size()) {
                    double seconds = Math.max(0.001, (System.nanoTime() - started) / 1e9);
                    log.info("converted {}/{} recordings ({} files/s)", n, recordings.size(), String.format(Locale.ROOT, "%.1f", n / seconds));
                }
                return r;
            }));
        }
        List<Recording> results = new ArrayList<>();
        double audioSeconds = 0;
        try {
            for (Future<Recording> f : futures) {
                Recording r = f.get();
                results.add(r);
                audioSeconds += r.durationSeconds() == null ? 0 : r.durationSeconds();
            }
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("conversion failed: " + cause, cause);
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            throw e;
        }
        double seconds = Math.max(0.001, (System.nanoTime() - started) / 1e9);
        long failed = results.stream().filter(r -> !r.converted()).count();
        log.info("conversion done: {} recordings ({} failed) in {}s: {} files/s, {} audio-seconds/s", results.size(), failed,
                String.format(Locale.ROOT, "%.1f", seconds), String.format(Locale.ROOT, "%.1f", results.size() / seconds),
                String.format(Locale.ROOT, "%.1f", audioSeconds / seconds));
        return new Outcome(results, audioSeconds);
    }

    private Recording convertOne(Path source, String original, Path target) throws IOException, InterruptedException {
        long started = System.nanoTime();
        try {
            double duration = ffmpeg.convert(source, target);
            Files.delete(source);
            metrics.converted(duration, (System.nanoTime() - started) / 1e9);
            return new Recording(original, target.toString(), Checksums.sha256(target), duration, null);
        } catch (io.audiopipeline.common.process.ProcessFailedException e) {
            // undecodable media: this file fails alone
            metrics.conversionFailed();
            String reason = "ffmpeg could not convert " + original + ": " + e.getMessage();
            log.warn("{}; the batch goes on without it", reason);
            return new Recording(original, null, null, null, reason.length() > 2000 ? reason.substring(0, 2000) : reason);
        }
    }

    /** The ASCII part of the entry's base name, shortened: the Opus file is named for what a person recognises, never for its bytes. */
    static String safeName(String entryName) {
        String name = EntryName.baseName(entryName);
        int dot = name.lastIndexOf('.');
        String stem = dot < 0 ? name : name.substring(0, dot);
        String safe = stem.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.length() > 80 ? safe.substring(0, 80) : safe;
    }
}
