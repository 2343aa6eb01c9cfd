package io.audiopipeline.unpack;

import io.audiopipeline.common.process.ProcessFailedException;
import io.audiopipeline.common.process.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/**
 * Converts one recording to mono 16 kHz Opus with ffmpeg, through a {@code .part} file. ffmpeg reads
 * only the file it is given and only as audio: local files only (no network, no device) and audio
 * demuxers only, so a playlist, concat list or image disguised as a recording fails alone instead of
 * making ffmpeg read another file of the node.
 */
final class FfmpegConverter {
    /** Audio demuxers ffmpeg may pick for a recording (mov covers m4a/mp4, asf covers wma, matroska covers mka/webm). */
    static final String AUDIO_DEMUXERS = "mp3,wav,w64,flac,ogg,mov,aac,asf,matroska,aiff,caf,amr,au,wv,ape,tta,mpc,mpc8,dsf";

    private final String ffmpeg;
    private final String bitrate;
    private final Duration timeout;
    private final ProcessRunner runner;

    FfmpegConverter(String ffmpeg, String bitrate, Duration timeout, ProcessRunner runner) {
        this.ffmpeg = ffmpeg;
        this.bitrate = bitrate;
        this.timeout = timeout;
        this.runner = runner;
    }

    List<String> arguments(Path source, Path part) {
        return List.of(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-protocol_whitelist", "file", "-format_whitelist", AUDIO_DEMUXERS,
                "-i", source.toString(),
                "-vn", "-map_metadata", "-1", "-ac", "1", "-ar", "16000",
                "-c:a", "libopus", "-b:a", bitrate, "-application", "voip",
                "-f", "ogg", part.toString());
    }

    /** Converts; returns the output's duration in seconds. A file ffmpeg cannot decode throws {@link ProcessFailedException}. */
    double convert(Path source, Path target) throws IOException, InterruptedException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try {
            runner.run(arguments(source, part), timeout, null);
            // from the Ogg headers: no ffprobe process per file
            double duration = OggOpusDuration.seconds(part);
            if (duration <= 0) {
                throw new ProcessFailedException(ffmpeg, 0, "no audio decoded from " + source.getFileName(), false);
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return duration;
        } finally {
            Files.deleteIfExists(part);
        }
    }
}
