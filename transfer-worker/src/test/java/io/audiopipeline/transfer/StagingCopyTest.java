package io.audiopipeline.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.storage.Checksums;
import io.audiopipeline.common.storage.TransferProgress;
import io.audiopipeline.sandbox.RandomFiles;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagingCopyTest {
    @TempDir
    Path dir;

    @Test
    void aLocalFileSpanningSeveralChunksIsCopiedExactlyAndItsHashIsThatOfTheStagedBytes() throws Exception {
        Path source = RandomFiles.write(dir.resolve("source.tar"), 2 * StagingCopy.CHUNK + 12_345, 7);
        Path target = dir.resolve("staged.part");
        List<Long> reported = new ArrayList<>();

        StagingCopy.Staged staged = StagingCopy.fromFile(source, target, Files.size(source), (done, total) -> reported.add(done));

        assertThat(staged.sizeBytes()).isEqualTo(Files.size(source));
        assertThat(Files.mismatch(source, target)).isEqualTo(-1L);
        assertThat(staged.sha256()).isEqualTo(Checksums.sha256(source));
        assertThat(reported).hasSizeGreaterThanOrEqualTo(3).isSorted().doesNotHaveDuplicates().endsWith(2 * StagingCopy.CHUNK + 12_345);
    }

    @Test
    void aStaleLongerStagingFileIsReplacedNotMerged() throws Exception {
        Path source = RandomFiles.write(dir.resolve("source.tar"), 1_000, 1);
        Path target = RandomFiles.write(dir.resolve("staged.part"), 5_000, 2);

        StagingCopy.Staged staged = StagingCopy.fromFile(source, target, 1_000, TransferProgress.NONE);

        assertThat(Files.size(target)).isEqualTo(1_000);
        assertThat(staged.sha256()).isEqualTo(Checksums.sha256(source));
    }

    @Test
    void anEmptyFileStagesAsTheHashOfNothing() throws Exception {
        Path source = Files.createFile(dir.resolve("empty.tar"));

        StagingCopy.Staged staged = StagingCopy.fromFile(source, dir.resolve("staged.part"), 0, TransferProgress.NONE);

        assertThat(staged.sizeBytes()).isZero();
        assertThat(staged.sha256()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

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
