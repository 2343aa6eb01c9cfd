package io.audiopipeline.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.ChildProgram;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The README's first command as a new user runs it: {@code bin/demo} with no server configured runs on
 * servers of its own, touches none of the machine's, and leaves nothing running.
 */
class DemoIT {
    @TempDir
    Path tmp;

    @Test
    void theDemoRunsOnServersOfItsOwnAndLeavesTheMachinesUntouched() throws Exception {
        String keyspaceBefore = machineRedisKeyspace();
        List<String> databasesBefore = machineDatabases();
        Path data = tmp.resolve("demo");

        Result demo = run(List.of(ChildProgram.projectRoot().resolve("bin/demo").toString(), "--data-dir", data.toString()), null, Map.of());

        assertThat(demo.exit).as("bin/demo exit status; stderr:%n%s", demo.err).isZero();
        assertThat(demo.out).contains("TRANSCRIPTS").contains("please call me back").contains("first transcript after");
        assertThat(demo.err).contains("starting its own redis-server").contains("started its own PostgreSQL cluster")
                .contains("starting its own S3-compatible server");
        assertThat(machineRedisKeyspace()).as("no key written to the machine's Redis").isEqualTo(keyspaceBefore);
        assertThat(machineDatabases()).as("no database created on the machine's PostgreSQL").isEqualTo(databasesBefore);
        assertThat(processesUsing(data)).as("nothing the demo started is left running").isEmpty();
        String cluster = demo.err.lines().filter(l -> l.contains("started its own PostgreSQL cluster (initdb) in "))
                .map(l -> l.substring(l.lastIndexOf(" in ") + 4)).findFirst().orElseThrow();
        assertThat(processesUsing(Path.of(cluster))).as("the demo's PostgreSQL is stopped").isEmpty();
        assertThat(Path.of(cluster)).as("and its files removed").doesNotExist();

        // without a terminal, progress is one line per change: no carriage returns, no line twice in a row
        List<String> bars = demo.err.lines().filter(l -> l.contains(" files ") || l.contains("unpacking")).toList();
        assertThat(demo.err).doesNotContain("\r");
        assertThat(bars).isNotEmpty();
        for (int i = 1; i < bars.size(); i++) {
            assertThat(bars.get(i)).as("progress line %d repeats the one before", i).isNotEqualTo(bars.get(i - 1));
        }
    }

    @Test
    void aMissingToolWithoutPermissionToInstallIsOneLineNamingTheInstallCommandAndExit69() throws Exception {
        // a PATH with every program of this machine except ffmpeg
        Path bin = Files.createDirectories(tmp.resolve("path-without-ffmpeg"));
        for (String dir : List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            try (Stream<Path> programs = Files.list(Path.of(dir))) {
                for (Path p : programs.toList()) {
                    Path link = bin.resolve(p.getFileName());
                    if (!p.getFileName().toString().equals("ffmpeg") && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, p);
                    }
                }
            }
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            // root may install: run as a user who may not
            command.addAll(List.of("runuser", "-u", "nobody", "--"));
        }
        command.addAll(List.of(ChildProgram.projectRoot().resolve("bin/demo").toString(), "--data-dir", tmp.resolve("demo").toString()));

        Result demo;
        try {
            demo = run(command, bin.toString(), Map.of());
        } finally {
            // the links go now, quietly (JUnit warns about each link it removes from a temporary directory)
            try (Stream<Path> links = Files.list(bin)) {
                for (Path link : links.toList()) {
                    Files.delete(link);
                }
            }
        }

        assertThat(demo.exit).as("stderr:%n%s", demo.err).isEqualTo(69);
        assertThat(demo.err.strip().lines()).hasSize(1);
        assertThat(demo.err.strip()).isEqualTo("setup: missing packages; install them with: sudo apt-get install -y ffmpeg");
        assertThat(processesUsing(tmp.resolve("demo"))).isEmpty();
    }

    private record Result(int exit, String out, String err) {
    }

    @Test
    void theDemoRunsEndToEndOnTheServersItIsGivenAndPrintsTranscriptsAndASummary() throws Exception {
        Result demo = run(List.of(ChildProgram.projectRoot().resolve("bin/demo").toString(), "--data-dir", tmp.resolve("demo").toString()),
                null, TestServers.env());
        assertThat(demo.exit).as(demo.err).isZero();
        assertThat(demo.err).doesNotContain("starting its own redis-server").doesNotContain("started its own PostgreSQL cluster");
        assertThat(demo.out).contains("TRANSCRIPTS").containsPattern("meeting|tomorrow").containsPattern("seven|nine")
                .containsPattern("Summary: 3 files \\(3 transcribed, 0 failed\\), [0-9.]+ s of audio; first transcript after [0-9.]+ s, "
                        + "wall time [0-9.]+ s; realtime factor [0-9.]+");
    }

    /** Runs {@code command} from a new user's shell (no server configured) plus {@code env}; {@code path} replaces PATH when given. */
    private Result run(List<String> command, String path, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile());
        // a new user's shell: no server configured
        builder.environment().keySet().removeIf(k -> k.startsWith("REDIS_") || k.startsWith("DATABASE_") || k.startsWith("S3_"));
        builder.environment().putAll(env);
        if (path != null) {
            builder.environment().put("PATH", path);
        }
        Process p = builder.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    /**
     * The number of keys without an expiry in each database of the machine's Redis ({@code db9=12 ...}): keys
     * that earlier tests left with a TTL (worker heartbeats, finished batches) may expire meanwhile; anything
     * the demo wrote there (a queue, a counter) would have none.
     */
    private static String machineRedisKeyspace() {
        try (Jedis redis = new Jedis("127.0.0.1", 6379)) {
            return redis.info("keyspace").lines().filter(l -> l.startsWith("db"))
                    .map(l -> l.substring(0, l.indexOf(':')) + "=" + (Long.parseLong(l.replaceAll(".*keys=(\\d+).*", "$1"))
                            - Long.parseLong(l.replaceAll(".*expires=(\\d+).*", "$1"))))
                    .sorted().reduce("", (a, b) -> a + b + " ");
        }
    }

    private static List<String> machineDatabases() throws Exception {
        String[] db = TestServers.database();
        String url = db[0].replaceFirst("/[^/?]+(\\?.*)?$", "/postgres");
        try (Connection c = DriverManager.getConnection(url, db[1], db[2]); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT datname FROM pg_database ORDER BY datname")) {
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        }
    }

    private static List<String> processesUsing(Path dir) {
        return ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse(""))
                .filter(c -> c.contains(dir.toString())).toList();
    }
}
