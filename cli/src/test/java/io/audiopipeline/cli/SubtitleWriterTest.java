package io.audiopipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SubtitleWriterTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void srtNumbersCuesAndUsesCommaMilliseconds() throws Exception {
        var segments = json.readTree("[{\"start\":0.03,\"end\":1.5,\"text\":\" four five\"},{\"start\":61.2,\"end\":3725.0406,\"text\":\"six\"},"
                + "{\"start\":3726,\"end\":3727,\"text\":\"  \"}]");
        assertThat(SubtitleWriter.srt(segments)).isEqualTo("1\n00:00:00,030 --> 00:00:01,500\nfour five\n\n2\n00:01:01,200 --> 01:02:05,041\nsix\n\n");
    }

    @Test
    void vttHasItsHeaderDotMillisecondsAndSpeakers() throws Exception {
        var segments = json.readTree("[{\"start\":1,\"end\":2,\"text\":\"hello\",\"speaker\":\"SPEAKER_01\"}]");
        assertThat(SubtitleWriter.vtt(segments)).isEqualTo("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v SPEAKER_01>hello\n\n");
    }

    @Test
    void progressBarsShowTheShareDoneAndTheEtaFollowsTheRateSoFar() {
        assertThat(ProgressBar.bar(5, 10)).isEqualTo("[###############...............]  50%");
        assertThat(ProgressBar.bar(0, 0)).startsWith("[....");
        assertThat(ProgressBar.eta(10, 40, java.time.Duration.ofMinutes(5))).isEqualTo(java.time.Duration.ofMinutes(15));
        assertThat(ProgressBar.duration(java.time.Duration.ofSeconds(3725))).isEqualTo("1h02m");
    }
}
