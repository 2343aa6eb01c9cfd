package io.audiopipeline.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real audio for tests: synthetic speech from espeak-ng, encodings from ffmpeg, tones written directly. */
public final class AudioFixtures {
    private AudioFixtures() {
    }

    /** Spoken English as a WAV file (espeak-ng, en-us klatt voice, 150 words per minute). */
    public static Path speech(String text, Path wav) throws IOException, InterruptedException {
        run(List.of("espeak-ng", "-v", "en-us+klatt", "-s", "150", "-w", wav.toString(), text));
        return wav;
    }

    /** Re-encodes {@code source} into the format named by {@code target}'s extension (mp3, flac, m4a, ogg, ...). */
    public static Path encode(Path source, Path target) throws IOException, InterruptedException {
        run(List.of("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", source.toString(), target.toString()));
        return target;
    }

    /** A 16-bit mono PCM WAV sine tone, written without any tool. */
    public static Path tone(Path wav, double seconds, int sampleRate, double frequency) throws IOException {
        int samples = (int) (seconds * sampleRate);
        ByteBuffer data = ByteBuffer.allocate(44 + samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        data.put("RIFF".getBytes()).putInt(36 + samples * 2).put("WAVE".getBytes());
        data.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(sampleRate)
                .putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16);
        data.put("data".getBytes()).putInt(samples * 2);
        for (int i = 0; i < samples; i++) {
            data.putShort((short) (Math.sin(2 * Math.PI * frequency * i / sampleRate) * 8000));
        }
        try (OutputStream out = Files.newOutputStream(wav)) {
            out.write(data.array());
        }
        return wav;
    }

    /** The duration ffprobe reports, in seconds. */
    public static double duration(Path file) throws IOException, InterruptedException {
        return Double.parseDouble(run(List.of("ffprobe", "-v", "error", "-show_entries", "format=duration",
                "-of", "default=noprint_wrappers=1:nokey=1", file.toString())).strip());
    }

    /** ffprobe's view of the first audio stream: codec_name, channels, sample_rate. */
    public static List<String> streamInfo(Path file) throws IOException, InterruptedException {
        return List.of(run(List.of("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                "stream=codec_name,channels,sample_rate", "-of", "default=noprint_wrappers=1", file.toString())).strip().split("\n"));
    }

    /** The input sample rate recorded in an Ogg Opus file's OpusHead header (what the encoder was fed). */
    public static int opusInputSampleRate(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] magic = "OpusHead".getBytes();
        for (int i = 0; i + 16 <= bytes.length; i++) {
            boolean match = true;
            for (int j = 0; j < magic.length && match; j++) {
                match = bytes[i + j] == magic[j];
            }
            if (match) {
                return ByteBuffer.wrap(bytes, i + 12, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            }
        }
        throw new IOException(file + " has no OpusHead header");
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
