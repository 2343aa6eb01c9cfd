package io.audiopipeline.unpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.IgnoredEntry;
import io.audiopipeline.common.db.IgnoredEntryRepository;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.DeadLetters;
import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.sandbox.AudioFixtures;
import io.audiopipeline.common.testing.ServerFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives made by the programs people use (GNU tar, bsdtar, Info-ZIP, 7-Zip, Python's streaming zip
 * writer), run through the real unpack worker: every entry ends as a recording, or ignored with its
 * reason, and the counts are exact. The archivers run with a UTF-8 locale, as in a user's session.
 */
class ArchiveInteropIT {
    private static final String BUCKET = "interop-it";
    private static final String NODE = "gpu-interop-01";
    private static final String LONG = "a-very-long-recording-name-".repeat(6) + "end";
    /** The recordings of the export folder every archiver packs, by their names inside the archive. */
    private static final List<String> RECORDINGS = List.of("calls/monday/hello.mp3", "calls/monday/hello-again.mp3", "calls/café.flac",
            "calls/Grüße.wav", "calls/你好.mp3", "calls/🎙 memo.mp3", "calls/" + LONG + ".mp3");
    private static final Map<String, String> IGNORED = Map.of(
            "calls/notes.txt", "not audio: extension .txt is not in AUDIO_EXTENSIONS",
            ".DS_Store", "OS metadata: macOS folder settings (.DS_Store)");

    private static UnpackRig rig;
    private static ServerFixture servers;
    private static Path speech;
    private final JobCodec codec = new JobCodec();
    private Database db;

    @TempDir
    Path tmp;
    Path scratch;

    @BeforeAll
    static void servers(@TempDir Path fixtures) throws Exception {
        rig = UnpackRig.start(BUCKET, NODE);
        servers = rig.servers;
        speech = AudioFixtures.encode(AudioFixtures.speech("one two three", fixtures.resolve("speech.wav")), fixtures.resolve("speech.mp3"));
    }

    @AfterAll
    static void stopServers() throws Exception {
        rig.close();
    }

    @BeforeEach
    void clean() throws Exception {
        db = servers.reset();
        scratch = Files.createDirectories(tmp.resolve("scratch"));
    }

    @AfterEach
    void stopWorkers() throws Exception {
        rig.stopWorkers();
        db.close();
    }

    @Test
    void everyArchiveTheCommonToolsMakeIsAcceptedWithEveryEntryAccountedFor() throws Exception {
        Path export = exportFolder(tmp.resolve("export"));
        Map<String, Path> archives = new LinkedHashMap<>();
        archives.put("GNU tar of '.', gzip", tool(export, "batch.tar.gz", "tar", "-C", export.toString(), "-czf", out("batch.tar.gz"), "."));
        archives.put("GNU tar --format=pax", tool(export, "pax.tar", "tar", "-C", export.toString(), "--format=pax", "-cf", out("pax.tar"), "."));
        archives.put("GNU tar --format=gnu, bzip2", tool(export, "gnu.tar.bz2", "tar", "-C", export.toString(), "--format=gnu", "-cjf",
                out("gnu.tar.bz2"), "."));
        archives.put("GNU tar, xz, named entries", tool(export, "named.tar.xz", "tar", "-C", export.toString(), "-cJf", out("named.tar.xz"),
                "calls", ".DS_Store"));
        archives.put("GNU tar, zstd", tool(export, "z.tar.zst", "tar", "-C", export.toString(), "--zstd", "-cf", out("z.tar.zst"), "."));
        archives.put("bsdtar, gzip", tool(export, "bsd.tgz", "bsdtar", "-C", export.toString(), "-czf", out("bsd.tgz"), "."));
        archives.put("Info-ZIP", tool(export, "info.zip", "zip", "-q", "-r", out("info.zip"), "."));
        archives.put("Info-ZIP to a pipe (stored, data descriptors)", tool(export, "stream.zip", "sh", "-c",
                "zip -q -0 -r - . | cat > '" + out("stream.zip") + "'"));
        archives.put("7-Zip zip", tool(export, "7z.zip", "7z", "a", "-tzip", "-bd", out("7z.zip"), "."));
        archives.put("7-Zip tar", tool(export, "7z.tar", "7z", "a", "-ttar", "-bd", out("7z.tar"), "."));

        Map<String, UnpackJob> jobs = new LinkedHashMap<>();
        for (Map.Entry<String, Path> a : archives.entrySet()) {
            jobs.put(a.getKey(), publish(a.getValue()));
        }
        startWorker();
        BatchTracker tracker = new BatchTracker(servers.redis);
        for (UnpackJob j : jobs.values()) {
            awaitHandOff(j.batchId(), Duration.ofMinutes(4));
        }

        assertThat(dead().size()).as("no archive dead-lettered: %s", dead().list(0, 20)).isZero();
        Map<String, List<String>> published = publishedNames();
        for (Map.Entry<String, UnpackJob> e : jobs.entrySet()) {
            String batch = e.getValue().batchId();
            BatchCounts counts = tracker.counts(batch);
            assertThat(counts.total()).as("%s: total", e.getKey()).isEqualTo(RECORDINGS.size());
            assertThat(counts.failed()).as("%s: failed", e.getKey()).isZero();
            assertThat(published.get(batch)).as("%s: one transcription job per recording, named as in the archive", e.getKey())
                    .containsExactlyInAnyOrderElementsOf(RECORDINGS);
            assertThat(ignored(batch)).as("%s: every other entry ignored with its reason", e.getKey())
                    .containsExactlyInAnyOrderEntriesOf(IGNORED);
            assertThat(new BatchRepository(db).find(batch).orElseThrow().ignoredEntries()).isEqualTo(IGNORED.size());
        }
    }

    @Test
    void aZipFromMacOsFinderCountsOnlyItsRecordings() throws Exception {
        Path export = Files.createDirectories(tmp.resolve("mac"));
        Files.createDirectories(export.resolve("Voicemails"));
        Files.copy(speech, export.resolve("Voicemails/Message 1.mp3"));
        Files.copy(speech, export.resolve("Voicemails/Message 2.mp3"));
        // what Finder's "Compress" adds: AppleDouble forks named like the recordings, and folder settings
        Files.createDirectories(export.resolve("__MACOSX/Voicemails"));
        Files.write(export.resolve("__MACOSX/Voicemails/._Message 1.mp3"), appleDouble());
        Files.write(export.resolve("__MACOSX/Voicemails/._Message 2.mp3"), appleDouble());
        Files.write(export.resolve("Voicemails/.DS_Store"), new byte[] {0, 0, 0, 1, 'B', 'u', 'd', '1'});
        // and what a folder copied from a Mac to a shared drive keeps beside each file
        Files.write(export.resolve("Voicemails/._Message 1.mp3"), appleDouble());
        Path zip = tool(export, "Voicemails.zip", "zip", "-q", "-r", out("Voicemails.zip"), "Voicemails", "__MACOSX");

        UnpackJob job = publish(zip);
        startWorker();
        BatchTracker tracker = new BatchTracker(servers.redis);
        awaitHandOff(job.batchId());
        assertThat(tracker.counts(job.batchId()).total()).isEqualTo(2);
        assertThat(tracker.counts(job.batchId()).failed()).as("no false failures").isZero();
        assertThat(ignored(job.batchId())).containsOnlyKeys("__MACOSX/Voicemails/._Message 1.mp3", "__MACOSX/Voicemails/._Message 2.mp3",
                "Voicemails/.DS_Store", "Voicemails/._Message 1.mp3");
    }

    @Test
    void legacyEncodedZipNamesStayDistinct() throws Exception {
        Path export = Files.createDirectories(tmp.resolve("legacy"));
        // two names whose bytes are not UTF-8: 'café' in Latin-1 and in CP437, as old Windows tools wrote them
        byte[][] names = {{'c', 'a', 'f', (byte) 0xE9, '.', 'm', 'p', '3'}, {'c', 'a', 'f', (byte) 0x82, '.', 'm', 'p', '3'}};
        for (byte[] name : names) {
            run(export, List.of("sh", "-c", "cp \"$0\" \"$(printf \"$1\")\"", speech.toString(), printfEscape(name)), Map.of());
        }
        Path zip = tmp.resolve("legacy.zip");
        run(export, List.of("sh", "-c", "zip -q '" + zip + "' *"), Map.of("LC_ALL", "C"));

        UnpackJob job = publish(zip);
        startWorker();
        BatchTracker tracker = new BatchTracker(servers.redis);
        awaitHandOff(job.batchId());
        assertThat(dead().size()).isZero();
        assertThat(tracker.counts(job.batchId()).total()).isEqualTo(2);
        assertThat(publishedNames().get(job.batchId())).containsExactlyInAnyOrder("café.mp3", "cafΘ.mp3");
    }

    @Test
    void aTarWhoseSecondNameIsAHardLinkTranscribesBothNames() throws Exception {
        Path export = Files.createDirectories(tmp.resolve("links"));
        Files.copy(speech, export.resolve("a.mp3"));
        Files.createLink(export.resolve("b.mp3"), export.resolve("a.mp3"));
        Files.createSymbolicLink(export.resolve("c.mp3"), Path.of("a.mp3"));
        Path tar = tool(export, "links.tar", "tar", "-C", export.toString(), "-cf", out("links.tar"), "a.mp3", "b.mp3", "c.mp3");
        assertThat(run(export, List.of("tar", "-tvf", tar.toString()), Map.of())).as("GNU tar stored a hard link").contains("b.mp3 link to a.mp3");

        UnpackJob job = publish(tar);
        startWorker();
        BatchTracker tracker = new BatchTracker(servers.redis);
        awaitHandOff(job.batchId());
        assertThat(tracker.counts(job.batchId()).total()).isEqualTo(2);
        assertThat(publishedNames().get(job.batchId())).containsExactlyInAnyOrder("a.mp3", "b.mp3");
        assertThat(ignored(job.batchId())).containsExactly(Map.entry("c.mp3", "a symbolic link (to 'a.mp3'): links are not followed"));
    }

    @Test
    void aVeryLongNameAndAVeryLongPathCompleteWithExactCounts() throws Exception {
        Path export = Files.createDirectories(tmp.resolve("long"));
        Files.copy(speech, export.resolve("short.mp3"));
        Path archive = tmp.resolve("long.tar");
        String longName = "n".repeat(3996) + ".mp3";
        String longPath = ("d".repeat(200) + "/").repeat(19) + "p".repeat(202) + ".mp3";
        // no file system holds these names: Python's tarfile writes them as PAX entries, as any tar writer can
        run(export, List.of("/usr/bin/python3", "-c", String.join("\n",
                "import sys, tarfile",
                "with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:",
                "    for name in sys.argv[2:]:",
                "        t.add('short.mp3', arcname=name)"), archive.toString(), "short.mp3", longName, longPath), Map.of());
        assertThat(longName).hasSize(4000);
        assertThat(longPath).hasSize(4025);

        UnpackJob job = publish(archive);
        startWorker();
        BatchTracker tracker = new BatchTracker(servers.redis);
        awaitHandOff(job.batchId());
        assertThat(dead().size()).isZero();
        assertThat(tracker.counts(job.batchId()).total()).isEqualTo(3);
        assertThat(publishedNames().get(job.batchId())).containsExactlyInAnyOrder("short.mp3", longName, longPath);
        // the hand-off writes each name's row: the rows hold them whole
        AudioFileRepository files = new AudioFileRepository(db);
        assertThat(files.byBatch(job.batchId())).extracting(AudioFileRecord::originalFilename)
                .containsExactlyInAnyOrder("short.mp3", longName, longPath);
    }

    // --- helpers -------------------------------------------------------------------------------------

    /** The export folder every archiver packs: recordings in nested folders with names in four scripts, a hard link, two other files. */
    private Path exportFolder(Path export) throws IOException {
        Path monday = Files.createDirectories(export.resolve("calls/monday"));
        Files.copy(speech, monday.resolve("hello.mp3"));
        Files.createLink(monday.resolve("hello-again.mp3"), monday.resolve("hello.mp3"));
        for (String name : List.of("café.flac", "Grüße.wav", "你好.mp3", "🎙 memo.mp3", LONG + ".mp3")) {
            // the content is what ffmpeg decodes, whatever the extension says
            Files.copy(speech, export.resolve("calls").resolve(name));
        }
        Files.writeString(export.resolve("calls/notes.txt"), "call notes");
        Files.write(export.resolve(".DS_Store"), new byte[] {0, 0, 0, 1, 'B', 'u', 'd', '1'});
        return export;
    }

    /** The hand-off is over once its event is written: after the total is set and every job published. */
    private void awaitHandOff(String batchId) {
        awaitHandOff(batchId, Duration.ofMinutes(1));
    }

    /** The hand-off committed (its audit event) and what follows its commit is done: the batch keys mirrored, every pending file's job published. */
    private void awaitHandOff(String batchId, Duration within) {
        await().atMost(within).until(() -> db.withHandle(h -> h.createQuery(
                "SELECT count(*) FROM pipeline_events WHERE batch_id = ? AND event = 'unpacked'").bind(0, batchId).mapTo(Long.class).one()) > 0
                && new io.audiopipeline.common.batch.BatchTracker(servers.redis).counts(batchId).total() != null
                && publishedNames().getOrDefault(batchId, List.of()).size() == db.withHandle(h -> h.createQuery(
                        "SELECT count(*) FROM audio_files WHERE batch_id = ? AND status = 'pending'").bind(0, batchId).mapTo(Long.class).one()));
    }

    private String out(String name) {
        return tmp.resolve("archives").resolve(name).toString();
    }

    private Path tool(Path cwd, String archive, String... command) throws Exception {
        Files.createDirectories(tmp.resolve("archives"));
        run(cwd, List.of(command), Map.of());
        Path made = tmp.resolve("archives").resolve(archive);
        assertThat(made).as("%s made %s", command[0], archive).exists();
        return made;
    }

    private static String run(Path cwd, List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        builder.environment().put("LANG", "C.UTF-8");
        builder.environment().remove("LC_ALL");
        builder.environment().putAll(env);
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, output).isZero();
        return output;
    }

    private static String printfEscape(byte[] name) {
        StringBuilder s = new StringBuilder();
        for (byte b : name) {
            s.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\%03o", b & 0xFF));
        }
        return s.toString();
    }

    private static byte[] appleDouble() {
        byte[] header = new byte[82];
        header[1] = 0x05;
        header[2] = 0x16;
        header[3] = 0x07;
        return header;
    }

    private void startWorker() {
        rig.startWorker(rig.env(scratch), ArchiveRetention.KEEP, db);
    }

    private UnpackJob publish(Path archive) throws Exception {
        return rig.publish(db, archive);
    }

    private Map<String, List<String>> publishedNames() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, List<String>> byBatch = new HashMap<>();
        for (String raw : servers.redis.lrange(QueueKeys.transcribe(NODE).main(), 0, -1)) {
            JsonNode job = json.readTree(raw);
            byBatch.computeIfAbsent(job.get("batch_id").asText(), b -> new ArrayList<>()).add(job.get("original_filename").asText());
        }
        return byBatch;
    }

    private Map<String, String> ignored(String batchId) throws Exception {
        Map<String, String> byName = new LinkedHashMap<>();
        for (IgnoredEntry e : new IgnoredEntryRepository(db).byBatch(batchId)) {
            byName.put(e.name(), e.reason());
        }
        return byName;
    }

    private DeadLetters dead() {
        return new DeadLetters(servers.redis, QueueKeys.unpack(), codec.mapper());
    }
}
