package io.audiopipeline.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.storage.Checksums;
import io.audiopipeline.common.storage.TransferProgress;
import io.audiopipeline.sandbox.RandomFiles;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagingCopyTest {
    @TempDir
    Path dir;

    @Test
    void aStreamIsHashedAsItIsWritten() throws Exception {
        Path source = RandomFiles.write(dir.resolve("remote.tar"), 3_000_001, 3);
        Path target = dir.resolve("staged.part");

        StagingCopy.Staged staged;
        try (InputStream in = Files.newInputStream(source)) {
            staged = StagingCopy.fromStream(in, target, Files.size(source), TransferProgress.NONE);
        }

        assertThat(staged.sizeBytes()).isEqualTo(3_000_001);
        assertThat(Files.mismatch(source, target)).isEqualTo(-1L);
        assertThat(staged.sha256()).isEqualTo(Checksums.sha256(source));
    }
}
