package io.audiopipeline.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeExtractorTest {
    private final EntryClassifier classifier = new EntryClassifier(Set.of("mp3", "wav", "flac"));

    @Test
    void entryNamesNormaliseToTheirRelativePathAndTheRootEntryToNothing() throws Exception {
        assertThat(EntryName.normalize("calls/monday/a.mp3")).isEqualTo("calls/monday/a.mp3");
        assertThat(EntryName.normalize("./calls//b.mp3")).isEqualTo("calls/b.mp3");
        assertThat(EntryName.normalize("calls\\windows\\c.mp3")).isEqualTo("calls/windows/c.mp3");
        assertThat(EntryName.normalize("..data/c.mp3")).as("a name starting with dots is a name").isEqualTo("..data/c.mp3");
        assertThat(EntryName.normalize(".")).isEmpty();
        assertThat(EntryName.normalize("./")).isEmpty();
        assertThat(EntryName.normalize("x".repeat(5000) + ".mp3")).as("no length limit of a file system applies").hasSize(5004);
    }

    @Test
    void escapesAreRefusedNamingTheEntry() {
        assertThatThrownBy(() -> EntryName.normalize("../x.mp3")).hasMessage("entry '../x.mp3' climbs out with '..'");
        assertThatThrownBy(() -> EntryName.normalize("calls/../../x")).hasMessageContaining("'calls/../../x'");
        assertThatThrownBy(() -> EntryName.normalize("calls\\..\\..\\x")).hasMessageContaining("climbs out");
        assertThatThrownBy(() -> EntryName.normalize("/etc/passwd")).hasMessage("entry '/etc/passwd' has an absolute path");
        assertThatThrownBy(() -> EntryName.normalize("C:/windows/x")).hasMessageContaining("absolute path");
        assertThatThrownBy(() -> EntryName.normalize("a\0b")).hasMessageContaining("invalid name");
    }

    @Test
    void tarHeaderNamesAreReadAsUtf8WhenValidAndAsLatin1Otherwise() {
        String utf8AsLatin1 = new String("café/Grüße 你好 🎙.mp3".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        assertThat(EntryName.fromTarHeader(utf8AsLatin1)).isEqualTo("café/Grüße 你好 🎙.mp3");
        String latin1 = new String("café.mp3".getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1);
        assertThat(EntryName.fromTarHeader(latin1)).as("a legacy Latin-1 name").isEqualTo("café.mp3");
        assertThat(EntryName.fromTarHeader("你好.mp3")).as("a PAX name is already Unicode").isEqualTo("你好.mp3");
    }

    @Test
    void legacyZipNamesThatDifferInBytesNeverDecodeToTheSameString() {
        byte[] cp437 = {'c', 'a', 'f', (byte) 0x82, '.', 'm', 'p', '3'};
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xE9, '.', 'm', 'p', '3'};
        assertThat(EntryName.fromLegacyZip(cp437)).isEqualTo("café.mp3");
        assertThat(EntryName.fromLegacyZip(latin1)).isNotEqualTo(EntryName.fromLegacyZip(cp437));
        assertThat(EntryName.fromLegacyZip("日本.mp3".getBytes(StandardCharsets.UTF_8))).as("macOS writes UTF-8 without the flag")
                .isEqualTo("日本.mp3");
    }

    @Test
    void osMetadataAndNonAudioAreIgnoredWithAReasonAndRecordingsAreNot() {
        assertThat(classifier.ignoreReason("calls/a.mp3")).isEmpty();
        assertThat(classifier.ignoreReason("calls/A.FLAC")).isEmpty();
        assertThat(classifier.ignoreReason("__MACOSX/calls/._a.mp3")).hasValue("OS metadata: macOS resource fork (__MACOSX/)");
        assertThat(classifier.ignoreReason("calls/._a.mp3")).hasValue("OS metadata: macOS AppleDouble file (._*)");
        assertThat(classifier.ignoreReason("calls/.DS_Store")).hasValueSatisfying(r -> assertThat(r).contains(".DS_Store"));
        assertThat(classifier.ignoreReason("Thumbs.db")).hasValueSatisfying(r -> assertThat(r).startsWith("OS metadata: Windows"));
        assertThat(classifier.ignoreReason("calls/notes.txt")).hasValue("not audio: extension .txt is not in AUDIO_EXTENSIONS");
        assertThat(classifier.ignoreReason("calls/README")).hasValue("not audio: no file extension (AUDIO_EXTENSIONS)");
    }

    @Test
    void linksResolveInsideTheArchiveOrAreRefused() throws Exception {
        assertThat(SafeExtractor.insideTarget("calls/b.mp3", "a.mp3", false)).isEqualTo("calls/a.mp3");
        assertThat(SafeExtractor.insideTarget("calls/b.mp3", "../top.mp3", false)).isEqualTo("top.mp3");
        assertThat(SafeExtractor.insideTarget("calls/b.mp3", "./calls/a.mp3", true)).as("a hard link names an entry from the root")
                .isEqualTo("calls/a.mp3");
        assertThatThrownBy(() -> SafeExtractor.insideTarget("calls/b.mp3", "../../etc/passwd", false)).hasMessageContaining("pointing outside");
        assertThatThrownBy(() -> SafeExtractor.insideTarget("hard", "../../../../etc/passwd", true)).hasMessageContaining("'hard'");
        assertThatThrownBy(() -> SafeExtractor.insideTarget("link", "/etc", false)).hasMessageContaining("pointing outside");
    }

    @Test
    void filesOnDiskGetANumberAndAPlainExtensionOnly() {
        assertThat(SafeExtractor.diskName(7, "calls/café très long.MP3")).isEqualTo("000007.mp3");
        assertThat(SafeExtractor.diskName(8, "x/" + "é".repeat(4000) + ".wav")).isEqualTo("000008.wav");
        assertThat(SafeExtractor.diskName(9, "noextension")).isEqualTo("000009");
        assertThat(SafeExtractor.diskName(10, "a.m\u202Ep3")).as("an extension that is not plain is dropped").isEqualTo("000010");
    }

    @Test
    void theBudgetStopsABombWithinOneBufferOfItsBound() throws Exception {
        ExtractionBudget budget = new ExtractionBudget(10L << 20, 100, 50_000);
        budget.take(4L << 20, "a.wav");
        assertThatThrownBy(() -> budget.take(1L << 20, "bomb.wav")).as("5 MiB from a 50 kB archive is over 100 times")
                .hasMessageContaining("'bomb.wav'").hasMessageContaining("UNPACK_MAX_COMPRESSION_RATIO=100");
        ExtractionBudget bytes = new ExtractionBudget(2L << 20, 1000, 1L << 20);
        bytes.take(2L << 20, "a.wav");
        assertThatThrownBy(() -> bytes.take(1, "b.wav")).hasMessageContaining("UNPACK_MAX_BYTES").hasMessageContaining("'b.wav'");
        assertThat(bytes.used()).isEqualTo(2L << 20);
    }

    @Test
    void aGzipBombIsStoppedWithinItsBoundWhileWritingNotAfter(@TempDir Path tmp) throws Exception {
        // 512 MiB of zeros in a tar.gz of about half a megabyte: far over 200 times its size
        Path bomb = tmp.resolve("bomb.tar.gz");
        long size = 512L << 20;
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(bomb)))) {
            TarArchiveEntry entry = new TarArchiveEntry("zeros.wav");
            entry.setSize(size);
            tar.putArchiveEntry(entry);
            byte[] zeros = new byte[1 << 20];
            for (long written = 0; written < size; written += zeros.length) {
                tar.write(zeros);
            }
            tar.closeArchiveEntry();
        }
        long bound = 200 * Files.size(bomb);
        Path target = tmp.resolve("extracted");
        SafeExtractor extractor = new SafeExtractor(50L << 30, 1000, 200, classifier);
        assertThatThrownBy(() -> extractor.extract(bomb, target)).hasMessageContaining("'zeros.wav'").hasMessageContaining("zip bomb");
        long onDisk;
        try (var files = Files.walk(target)) {
            onDisk = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        assertThat(onDisk).as("bytes written before the rejection (bound %d)", bound).isLessThanOrEqualTo(bound).isGreaterThan(0);
    }

    @Test
    void opusFilesAreNamedForTheAsciiPartOfTheEntryName() {
        assertThat(RecordingConverter.safeName("calls/café 1.mp3")).isEqualTo("caf__1");
        assertThat(RecordingConverter.safeName("x".repeat(300) + ".wav")).hasSize(80);
    }

    @Test
    void ffmpegGetsAnArgumentListForMono16kOpusThroughAPartFile() {
        FfmpegConverter ffmpeg = new FfmpegConverter("ffmpeg", "24k", Duration.ofMinutes(1), null);
        assertThat(ffmpeg.arguments(Path.of("/s/a b.mp3"), Path.of("/s/o.opus.part"))).containsExactly(
                "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-protocol_whitelist", "file", "-format_whitelist", FfmpegConverter.AUDIO_DEMUXERS, "-i", "/s/a b.mp3", "-vn", "-map_metadata", "-1",
                "-ac", "1", "-ar", "16000", "-c:a", "libopus", "-b:a", "24k", "-application", "voip", "-f", "ogg", "/s/o.opus.part");
    }
}
