package io.audiopipeline.transfer;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks the files that are ready to transfer: they match the pattern, and either their size and
 * modification time did not change since the previous poll (a file still being written is left
 * alone), or, when a marker is required, {@code <name>.done} exists.
 */
final class ReadinessFilter {
    private final PathMatcher pattern;
    private final boolean requireMarker;
    private Map<String, SourceFile> previous = new HashMap<>();

    ReadinessFilter(PathMatcher pattern, boolean requireMarker) {
        this.pattern = pattern;
        this.requireMarker = requireMarker;
    }

    List<SourceFile> ready(ExportSource source, List<SourceFile> listing) throws IOException {
        Map<String, SourceFile> current = new HashMap<>();
        List<SourceFile> ready = new ArrayList<>();
        for (SourceFile file : listing) {
            if (!pattern.matches(Path.of(file.name()))) {
                continue;
            }
            current.put(file.name(), file);
            if (requireMarker) {
                if (source.exists(file.name() + ".done")) {
                    ready.add(file);
                }
            } else if (file.equals(previous.get(file.name()))) {
                ready.add(file);
            }
        }
        previous = current;
        return ready;
    }
}
