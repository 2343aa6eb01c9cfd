package io.audiopipeline.common.archive;

import java.util.List;
import java.util.Locale;

/** The archive kinds of the contract and their extensions. */
public final class ArchiveNames {
    /** Longer first: {@code .tar.gz} before {@code .tar}. */
    public static final List<String> EXTENSIONS = List.of(".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst",
            ".tar", ".zip");

    private ArchiveNames() {
    }

    /** The archive extension of {@code filename} ({@code .tar.gz}, ...), or empty when it has none of ours. */
    public static String extension(String filename) {
        String lower = filename.toLowerCase(Locale.ROOT);
        for (String ext : EXTENSIONS) {
            if (lower.endsWith(ext)) {
                return ext;
            }
        }
        return "";
    }

    /**
     * Whether {@code key} is exactly {@code <prefix><batchId><extension>} with one of {@link #EXTENSIONS}:
     * the only object a job of that batch may read, and the only one its completion may delete. Anything
     * else (another batch's archive, another prefix, {@code ..}) belongs to someone else.
     */
    public static boolean isArchiveKeyOf(String prefix, String batchId, String key) {
        String stem = prefix + batchId;
        return key != null && key.startsWith(stem) && EXTENSIONS.contains(key.substring(stem.length()));
    }

    public static boolean isArchive(String filename) {
        return !extension(filename).isEmpty();
    }
}
