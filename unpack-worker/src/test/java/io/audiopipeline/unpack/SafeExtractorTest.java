package io.audiopipeline.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SafeExtractorTest {
    private final Path root = Path.of("/data/scratch/20250101-000000-abcdef/extracted");

    @Test
    void entriesInsideTheBatchDirResolveUnderIt() throws Exception {
        assertThat(SafeExtractor.resolveInside(root, "calls/monday/a.mp3")).isEqualTo(root.resolve("calls/monday/a.mp3"));
        assertThat(SafeExtractor.resolveInside(root, "./calls//b.mp3")).isEqualTo(root.resolve("calls/b.mp3"));
        assertThat(SafeExtractor.resolveInside(root, "..data/c.mp3")).as("a name starting with dots is a name").isEqualTo(root.resolve("..data/c.mp3"));
    }

    @Test
    void escapesAreRefusedNamingTheEntry() {
        assertThatThrownBy(() -> SafeExtractor.resolveInside(root, "../x.mp3")).hasMessage("entry '../x.mp3' climbs out with '..'");
        assertThatThrownBy(() -> SafeExtractor.resolveInside(root, "calls/../../x")).hasMessageContaining("'calls/../../x'");
        assertThatThrownBy(() -> SafeExtractor.resolveInside(root, "calls\\..\\..\\x")).hasMessageContaining("climbs out");
        assertThatThrownBy(() -> SafeExtractor.resolveInside(root, "/etc/passwd")).hasMessage("entry '/etc/passwd' has an absolute path");
        assertThatThrownBy(() -> SafeExtractor.resolveInside(root, "C:/windows/x")).hasMessageContaining("absolute path");
        assertThatThrownBy(() -> SafeExtractor.resolveInside(root, ".")).hasMessageContaining("resolves outside");
        assertThatThrownBy(() -> SafeExtractor.resolveInside(root, "a\0b")).hasMessageContaining("invalid name");
    }

    @Test
    void ffmpegGetsAnArgumentListForMono16kOpusThroughAPartFile() {
        FfmpegConverter ffmpeg = new FfmpegConverter("ffmpeg", "24k", Duration.ofMinutes(1), null);
        assertThat(ffmpeg.arguments(Path.of("/s/a b.mp3"), Path.of("/s/o.opus.part"))).containsExactly(
                "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", "/s/a b.mp3", "-vn", "-map_metadata", "-1",
                "-ac", "1", "-ar", "16000", "-c:a", "libopus", "-b:a", "24k", "-application", "voip", "-f", "ogg", "/s/o.opus.part");
    }
}
