package io.audiopipeline.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchPathsTest {
    private static final String BATCH = "20250622-143052-a1b2c3";

    @TempDir
    Path root;

    @Test
    void aFileInsideItsBatchDirIsAccepted() throws Exception {
        Path file = Files.write(Files.createDirectories(root.resolve(BATCH).resolve("opus")).resolve("0001-a.opus"), new byte[] {1});
        assertThat(new ScratchPaths(root).jobFile(BATCH, file.toString())).isEqualTo(file);
        assertThat(new ScratchPaths(root).jobFile(BATCH, root.resolve(BATCH) + "/opus/./0001-a.opus")).as("normalised").isEqualTo(file);
    }

    @Test
    void pathsOutsideTheBatchDirAreRefusedNamingTheRule() throws Exception {
        ScratchPaths paths = new ScratchPaths(root);
        Files.createDirectories(root.resolve("20250101-000000-000000"));
        assertThatThrownBy(() -> paths.jobFile(BATCH, root.resolve(BATCH) + "/../20250101-000000-000000/x.opus"))
                .hasMessageContaining("is outside SCRATCH_ROOT/" + BATCH);
        assertThatThrownBy(() -> paths.jobFile(BATCH, "relative/x.opus")).hasMessageContaining("is not absolute");
        assertThatThrownBy(() -> paths.jobFile(BATCH, root.resolve(BATCH).toString())).as("the batch dir itself").hasMessageContaining("outside");
        assertThatThrownBy(() -> paths.jobFile(BATCH, "/etc/passwd")).hasMessageContaining("outside");
    }

    @Test
    void aLinkLeadingOutOfTheBatchDirIsRefused() throws Exception {
        Path secret = Files.writeString(root.resolve("secret.opus"), "not yours");
        Path link = Files.createSymbolicLink(Files.createDirectories(root.resolve(BATCH)).resolve("link.opus"), secret);
        assertThatThrownBy(() -> new ScratchPaths(root).jobFile(BATCH, link.toString())).hasMessageContaining("through a link");
    }
}
