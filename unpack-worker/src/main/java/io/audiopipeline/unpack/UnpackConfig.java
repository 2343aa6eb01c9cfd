package io.audiopipeline.unpack;

import io.audiopipeline.common.config.ConfigException;
import io.audiopipeline.common.config.Env;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The unpack worker's own settings. */
public record UnpackConfig(Path scratchRoot, long maxBytes, int maxEntries, int maxCompressionRatio, Set<String> audioExtensions,
                           String opusBitrate, int convertThreads, Duration convertTimeout, long scratchMinFreeBytes,
                           int maxBacklog, String ffmpeg) {
    public static final long DEFAULT_MAX_BYTES = 50L * 1024 * 1024 * 1024;
    public static final int DEFAULT_MAX_ENTRIES = 100_000;
    public static final int DEFAULT_MAX_RATIO = 200;
    public static final String DEFAULT_EXTENSIONS = "mp3,wav,flac,m4a,ogg,opus,aac,wma";
    public static final long DEFAULT_MIN_FREE_BYTES = 10L * 1024 * 1024 * 1024;
    public static final int DEFAULT_MAX_BACKLOG = 5_000;

    public static UnpackConfig from(Env env) {
        String bitrate = env.string("OPUS_BITRATE", "32k");
        if (!bitrate.matches("\\d{1,3}k")) {
            throw new ConfigException("OPUS_BITRATE", "must look like 32k (6k to 510k), got '" + bitrate + "'");
        }
        String extensions = env.string("AUDIO_EXTENSIONS", DEFAULT_EXTENSIONS);
        Set<String> ext = Arrays.stream(extensions.split(",")).map(s -> s.trim().toLowerCase(Locale.ROOT).replaceFirst("^\\.", ""))
                .filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
        if (ext.isEmpty()) {
            throw new ConfigException("AUDIO_EXTENSIONS", "must list at least one extension, e.g. " + DEFAULT_EXTENSIONS);
        }
        return new UnpackConfig(
                env.path("SCRATCH_ROOT", Path.of("/data/scratch")),
                env.bytes("UNPACK_MAX_BYTES", DEFAULT_MAX_BYTES, 1024),
                env.integer("UNPACK_MAX_ENTRIES", DEFAULT_MAX_ENTRIES, 1, Integer.MAX_VALUE),
                env.integer("UNPACK_MAX_COMPRESSION_RATIO", DEFAULT_MAX_RATIO, 1, 100_000),
                ext, bitrate,
                env.integer("UNPACK_CONVERT_THREADS", Runtime.getRuntime().availableProcessors(), 1, 256),
                env.duration("CONVERT_TIMEOUT", Duration.ofMinutes(10), Duration.ofSeconds(1)),
                env.bytes("SCRATCH_MIN_FREE_BYTES", DEFAULT_MIN_FREE_BYTES, 0),
                env.integer("UNPACK_MAX_BACKLOG", DEFAULT_MAX_BACKLOG, 1, Integer.MAX_VALUE),
                env.string("FFMPEG", "ffmpeg"));
    }
}
