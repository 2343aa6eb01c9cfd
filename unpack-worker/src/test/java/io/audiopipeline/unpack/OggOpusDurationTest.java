package io.audiopipeline.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OggOpusDurationTest {
    @TempDir
    Path tmp;

    @Test
    void theDurationComesFromTheLastPageGranuleLessThePreSkip() throws Exception {
        Path opus = tmp.resolve("tone.opus");
        Process p = new ProcessBuilder("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2.5",
                "-ac", "1", "-ar", "16000", "-c:a", "libopus", "-b:a", "32k", "-f", "ogg", opus.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor()).isZero();
        assertThat(OggOpusDuration.seconds(opus)).isCloseTo(2.5, within(0.03));
    }

    @Test
    void aFileThatIsNotOggOpusHasNoDuration() throws Exception {
        assertThat(OggOpusDuration.seconds(Files.writeString(tmp.resolve("x.opus"), "OggS but nothing else"))).isEqualTo(-1);
        assertThat(OggOpusDuration.seconds(Files.write(tmp.resolve("empty.opus"), new byte[0]))).isEqualTo(-1);
    }
}
