package io.audiopipeline.common.label;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * POLICIES_DIR: one plain-text file per policy ({@code NAME.txt} or {@code NAME.md}; the name is the file
 * name without its extension). Read again whenever asked, so an edited file is a new version from the next
 * transcript on. Other files (hidden files, editor backups) are not policies.
 */
public final class PolicyDirectory {
    private static final Pattern POLICY_FILE = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]{0,99})\\.(txt|md)");
    /** Far above any policy CoPE-A's 8K-token context can hold; a bigger file is a mistake, not a policy. */
    public static final int MAX_POLICY_BYTES = 256 * 1024;

    private final Path dir;

    public PolicyDirectory(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Every policy in the directory, by name; none when the directory is not set or holds none. */
    public List<Policy> current() throws IOException {
        List<Policy> policies = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return policies;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted(Comparator.comparing(Path::toString)).toList()) {
                var m = POLICY_FILE.matcher(file.getFileName().toString());
                if (m.matches() && Files.isRegularFile(file)) {
                    policies.add(read(m.group(1), file));
                }
            }
        }
        return policies;
    }

    /** The policy called {@code name}, as its file holds it now. */
    public Optional<Policy> named(String name) throws IOException {
        return current().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    private static Policy read(String name, Path file) throws IOException {
        if (Files.size(file) > MAX_POLICY_BYTES) {
            throw new IOException("policy " + file + " is larger than " + MAX_POLICY_BYTES + " bytes");
        }
        return Policy.of(name, Files.readString(file, StandardCharsets.UTF_8));
    }
}
