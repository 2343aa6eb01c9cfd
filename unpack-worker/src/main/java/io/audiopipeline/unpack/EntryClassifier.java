package io.audiopipeline.unpack;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Decides what a file entry of an archive is: a recording (its extension is one of AUDIO_EXTENSIONS),
 * or ignored with the reason a person reading {@code pipeline batch} understands. Operating-system
 * metadata is ignored whatever its extension: macOS {@code __MACOSX/} forks and {@code ._*}
 * AppleDouble files (which end in {@code .mp3} too), {@code .DS_Store}, Windows' {@code Thumbs.db}
 * and {@code desktop.ini}.
 */
final class EntryClassifier {
    private static final Set<String> MAC_VOLUME_DIRS = Set.of(".spotlight-v100", ".trashes", ".fseventsd", ".temporaryitems");

    private final Set<String> audioExtensions;

    EntryClassifier(Set<String> audioExtensions) {
        this.audioExtensions = audioExtensions;
    }

    /** Empty for a recording; otherwise why the entry is ignored. */
    Optional<String> ignoreReason(String name) {
        String[] parts = name.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            String dir = parts[i].toLowerCase(Locale.ROOT);
            if (dir.equals("__macosx")) {
                return Optional.of("OS metadata: macOS resource fork (__MACOSX/)");
            }
            if (MAC_VOLUME_DIRS.contains(dir)) {
                return Optional.of("OS metadata: macOS volume data (" + parts[i] + "/)");
            }
        }
        String base = parts[parts.length - 1];
        String lower = base.toLowerCase(Locale.ROOT);
        if (base.startsWith("._")) {
            return Optional.of("OS metadata: macOS AppleDouble file (._*)");
        }
        if (lower.equals(".ds_store")) {
            return Optional.of("OS metadata: macOS folder settings (.DS_Store)");
        }
        if (lower.equals("thumbs.db") || lower.equals("ehthumbs.db")) {
            return Optional.of("OS metadata: Windows thumbnail cache (" + base + ")");
        }
        if (lower.equals("desktop.ini")) {
            return Optional.of("OS metadata: Windows folder settings (desktop.ini)");
        }
        String extension = extension(base);
        if (extension.isEmpty()) {
            return Optional.of("not audio: no file extension (AUDIO_EXTENSIONS)");
        }
        if (!audioExtensions.contains(extension)) {
            return Optional.of("not audio: extension ." + extension + " is not in AUDIO_EXTENSIONS");
        }
        return Optional.empty();
    }

    /** The lower-case extension of a base name without its dot, or "". */
    static String extension(String base) {
        int dot = base.lastIndexOf('.');
        return dot <= 0 || dot == base.length() - 1 ? "" : base.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
