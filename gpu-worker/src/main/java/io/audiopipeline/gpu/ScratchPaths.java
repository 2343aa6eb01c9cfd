package io.audiopipeline.gpu;

import io.audiopipeline.common.worker.PermanentJobException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The rule that a job may never make the worker read, upload or delete a file outside its batch's
 * scratch dir: {@code opus_path} must lie in {@code SCRATCH_ROOT/<batch_id>/}, compared as paths after
 * normalising {@code ..} and after resolving links.
 */
final class ScratchPaths {
    private final Path scratchRoot;

    ScratchPaths(Path scratchRoot) {
        this.scratchRoot = scratchRoot.toAbsolutePath().normalize();
    }

    Path batchDir(String batchId) {
        return scratchRoot.resolve(batchId);
    }

    Path jobFile(String batchId, String opusPath) throws PermanentJobException {
        Path batchDir = batchDir(batchId);
        Path file;
        try {
            file = Path.of(opusPath);
        } catch (InvalidPathException e) {
            throw new PermanentJobException("opus_path is not a valid path: " + e.getMessage());
        }
        if (!file.isAbsolute()) {
            throw new PermanentJobException("opus_path " + opusPath + " is not absolute");
        }
        file = file.normalize();
        if (!file.startsWith(batchDir) || file.equals(batchDir)) {
            throw new PermanentJobException("opus_path " + opusPath + " is outside SCRATCH_ROOT/" + batchId + "/; refused");
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Path real = file.toRealPath();
                if (!real.startsWith(batchDir.toRealPath())) {
                    throw new PermanentJobException("opus_path " + opusPath + " leads outside SCRATCH_ROOT/" + batchId + "/ through a link; refused");
                }
                if (!Files.isRegularFile(real)) {
                    throw new PermanentJobException("opus_path " + opusPath + " is not a regular file");
                }
            } catch (IOException e) {
                throw new PermanentJobException("opus_path " + opusPath + " cannot be resolved: " + e.getMessage());
            }
        }
        return file;
    }
}
