package io.audiopipeline.unpack;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.db.IgnoredEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * {@code SCRATCH_ROOT/<batch_id>/manifest.json}: the outcome of extraction and conversion, written
 * atomically before the hand-off. A redelivered job that finds it resumes the hand-off instead of
 * unpacking again (the GPU worker may already be working on, and deleting, the converted files).
 */
record Manifest(@JsonProperty("batch_id") String batchId,
                @JsonProperty("recordings") List<Recording> recordings,
                @JsonProperty("ignored") List<IgnoredEntry> ignored) {
    static final String FILE = "manifest.json";

    Manifest {
        ignored = ignored == null ? List.of() : ignored;
    }

    long converted() {
        return recordings.stream().filter(Recording::converted).count();
    }

    long failed() {
        return recordings.size() - converted();
    }

    void write(Path batchDir, ObjectMapper json) throws IOException {
        Path part = batchDir.resolve(FILE + ".part");
        json.writeValue(part.toFile(), this);
        Files.move(part, batchDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static Optional<Manifest> read(Path batchDir, ObjectMapper json) throws IOException {
        Path file = batchDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(json.readValue(file.toFile(), Manifest.class));
    }
}
