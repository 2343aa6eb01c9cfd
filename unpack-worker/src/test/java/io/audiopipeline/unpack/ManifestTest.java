package io.audiopipeline.unpack;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.db.IgnoredEntry;
import io.audiopipeline.common.job.JobCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
    private final JobCodec codec = new JobCodec();

    @TempDir
    Path batchDir;

    @Test
    void aManifestReadsBackAsWrittenWithItsFailuresAndIgnoredEntries() throws Exception {
        Manifest written = new Manifest("20250622-143052-a1b2c3",
                List.of(new Recording("calls/café.mp3", "/s/opus/0001-caf_.opus", "a".repeat(64), 2.5, null),
                        new Recording("calls/bad.mp3", null, null, null, "ffmpeg could not convert calls/bad.mp3")),
                List.of(new IgnoredEntry("calls/notes.txt", "not audio: extension .txt is not in AUDIO_EXTENSIONS")));
        written.write(batchDir, codec.mapper());
        Manifest read = Manifest.read(batchDir, codec.mapper()).orElseThrow();
        assertThat(read).isEqualTo(written);
        assertThat(read.converted()).isOne();
        assertThat(read.failed()).isOne();
        assertThat(batchDir.resolve(Manifest.FILE + ".part")).as("written through a .part file").doesNotExist();
    }

    @Test
    void noManifestMeansUnpackAgainAndAnOlderOneWithoutIgnoredEntriesStillReads() throws Exception {
        assertThat(Manifest.read(batchDir, codec.mapper())).isEmpty();
        Files.writeString(batchDir.resolve(Manifest.FILE), "{\"batch_id\":\"20250622-143052-a1b2c3\",\"recordings\":[],\"ignored_files\":2}");
        assertThat(Manifest.read(batchDir, codec.mapper()).orElseThrow().ignored()).isEmpty();
    }
}
