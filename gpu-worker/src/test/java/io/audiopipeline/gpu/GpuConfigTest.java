package io.audiopipeline.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.audiopipeline.common.config.ConfigException;
import io.audiopipeline.common.config.Env;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GpuConfigTest {
    // the tests run in the module's directory, where bridge/ is
    private final GpuConfig config = GpuConfig.from(new Env(Map.of("TRANSCRIBER", "pocketsphinx", "BRIDGE_DIR", "bridge",
            "TRANSCRIBE_TIMEOUT", "60s", "TRANSCRIBE_TIMEOUT_PER_AUDIO_SECOND", "3")));

    @Test
    void aFilesTimeoutIsTheBaseOrThreeTimesItsAudioWhicheverIsLonger() {
        assertThat(config.timeoutFor(null)).as("duration unknown").isEqualTo(Duration.ofSeconds(60));
        assertThat(config.timeoutFor(5.0)).as("short audio").isEqualTo(Duration.ofSeconds(60));
        assertThat(config.timeoutFor(600.0)).as("ten minutes of audio").isEqualTo(Duration.ofSeconds(1800));
    }

    @Test
    void aTimeoutFactorThatIsNotANumberNamesItsVariable() {
        assertThatThrownBy(() -> GpuConfig.from(new Env(Map.of("TRANSCRIBER", "pocketsphinx", "BRIDGE_DIR", "bridge",
                "TRANSCRIBE_TIMEOUT_PER_AUDIO_SECOND", "x"))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("TRANSCRIBE_TIMEOUT_PER_AUDIO_SECOND");
    }
}
