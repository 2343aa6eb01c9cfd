package io.audiopipeline.demo;

import java.io.IOException;
import java.io.OutputStream;
import io.audiopipeline.cli.CliFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** The demo's sample archive: spoken English made with espeak-ng, encoded to mp3 with ffmpeg, in a tar.gz. */
final class SampleArchive {
    static final Map<String, String> SENTENCES = new LinkedHashMap<>();

    static {
        SENTENCES.put("calls/monday/numbers.mp3", "four five six seven eight nine");
        SENTENCES.put("calls/monday/meeting.mp3", "the meeting starts at nine thirty tomorrow morning");
        SENTENCES.put("calls/tuesday/voicemail.mp3", "please call me back at seven");
    }

    private SampleArchive() {
    }

    static Path create(Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path archive = workDir.resolve("demo-calls.tar.gz");
        try (OutputStream out = new GzipCompressorOutputStream(Files.newOutputStream(archive));
             TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            int n = 0;
            for (Map.Entry<String, String> e : SENTENCES.entrySet()) {
                Path wav = workDir.resolve("s" + n + ".wav");
                Path mp3 = workDir.resolve("s" + n++ + ".mp3");
                run(List.of("espeak-ng", "-v", "en-us+klatt", "-s", "150", "-w", wav.toString(), e.getValue()), "espeak-ng");
                run(List.of("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", wav.toString(), mp3.toString()), "ffmpeg");
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(Files.size(mp3));
                tar.putArchiveEntry(entry);
                Files.copy(mp3, tar);
                tar.closeArchiveEntry();
                Files.delete(wav);
                Files.delete(mp3);
            }
        }
        return archive;
    }

    private static void run(List<String> command, String tool) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new CliFailure(tool + " is needed to make the sample archive: apt-get install " + tool
                    + " (or run 'bin/demo --archive FILE')", 69);
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new CliFailure(tool + " failed while making the sample archive: " + out.strip(), 70);
        }
    }
}
