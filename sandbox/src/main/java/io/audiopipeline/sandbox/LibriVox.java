package io.audiopipeline.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Real speech with reference transcripts: the five LibriVox sentences of Debian's
 * {@code pocketsphinx-testdata}, read by a person (16 kHz WAV).
 */
public final class LibriVox {
    public static final Path DIR = Path.of("/usr/share/pocketsphinx/test/data/librivox");

    private LibriVox() {
    }

    /** File name (e.g. {@code sense_and_sensibility_01_austen_64kb-0880.wav}) to its reference transcript, in the listed order. */
    public static Map<String, String> references() throws IOException {
        Map<String, String> references = new LinkedHashMap<>();
        for (String line : Files.readAllLines(DIR.resolve("transcription"))) {
            String id = line.substring(line.lastIndexOf('(') + 1, line.lastIndexOf(')'));
            references.put(id + ".wav", line.substring(0, line.lastIndexOf('(')).replace("<s>", "").replace("</s>", "").strip());
        }
        return references;
    }

    /** Copies the recordings into {@code dir} (created); returns it. */
    public static Path copyTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String name : references().keySet()) {
            Files.copy(DIR.resolve(name), dir.resolve(name));
        }
        return dir;
    }
}
