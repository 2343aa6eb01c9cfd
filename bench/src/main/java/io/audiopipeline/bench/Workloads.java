package io.audiopipeline.bench;

import io.audiopipeline.sandbox.ArchiveBuilder;
import io.audiopipeline.sandbox.AudioFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Inputs of the benchmarks, made once per run under bench/work. */
final class Workloads {
    private static final String SENTENCE = "the meeting starts at nine thirty tomorrow morning. ";
    private static final String[] WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "zero"};

    private Workloads() {
    }

    /** {@code count} mp3 files of speech, 1 to 30 seconds long (20 distinct lengths, repeated). */
    static List<Path> speechMp3s(Path dir, int count) throws Exception {
        Files.createDirectories(dir);
        List<Path> distinct = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            Path mp3 = dir.resolve("len-" + k + ".mp3");
            if (!Files.exists(mp3)) {
                String text = k < 4 ? WORDS[k] + " " + WORDS[k + 1] : SENTENCE.repeat(1 + (k - 4) * 8 / 15);
                AudioFixtures.encode(AudioFixtures.speech(text, dir.resolve("len-" + k + ".wav")), mp3);
            }
            distinct.add(mp3);
        }
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            files.add(distinct.get(i % distinct.size()));
        }
        return files;
    }

    /** Short spoken clips (about 1.5 s) as Opus, for the transcription path. */
    static List<Path> shortSpeechOpus(Path dir, int distinct) throws Exception {
        Files.createDirectories(dir);
        List<Path> clips = new ArrayList<>();
        for (int i = 0; i < distinct; i++) {
            Path opus = dir.resolve("short-" + i + ".opus");
            if (!Files.exists(opus)) {
                String text = WORDS[i % 10] + " " + WORDS[(i + 3) % 10] + " " + WORDS[(i + 6) % 10];
                AudioFixtures.encode(AudioFixtures.speech(text, dir.resolve("short-" + i + ".wav")), opus);
            }
            clips.add(opus);
        }
        return clips;
    }

    static Path archiveOf(List<Path> files, Path archive) throws IOException {
        if (Files.exists(archive)) {
            return archive;
        }
        ArchiveBuilder builder = new ArchiveBuilder();
        for (int i = 0; i < files.size(); i++) {
            builder.file("calls/f" + (i / 50) + "/clip-" + i + ".mp3", files.get(i));
        }
        return builder.writeTarGz(archive);
    }

    /** A file of {@code megabytes} pseudo-random bytes (incompressible). */
    static Path randomFile(Path file, long megabytes) throws IOException {
        if (Files.exists(file) && Files.size(file) == megabytes << 20) {
            return file;
        }
        Files.createDirectories(file.getParent());
        return io.audiopipeline.sandbox.RandomFiles.write(file, megabytes << 20, 7);
    }
}
