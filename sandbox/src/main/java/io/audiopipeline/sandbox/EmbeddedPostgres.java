package io.audiopipeline.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of the sandbox's own (initdb in a directory of its own, on a free loopback port),
 * so the demo and the tests never touch the machine's server, and a test can crash it and start it again. A crash is {@code pg_ctl stop -m
 * immediate}: every backend is killed without a checkpoint, and the next start runs crash recovery from
 * the WAL, as after a power loss. PostgreSQL refuses to run as root: as root, the server runs as the
 * {@code postgres} system user.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private final Path bin;
    private final Path data;
    private final int port;
    private final List<String> asUser;
    private final Path log;
    private Process process;

    private EmbeddedPostgres(Path bin, Path data, Path log) throws Exception {
        this.bin = bin;
        this.log = log;
        this.asUser = "root".equals(System.getProperty("user.name")) ? List.of("runuser", "-u", "postgres", "--") : List.of();
        // as root the server runs as postgres, who may not reach a directory under root's own (0700) ones:
        // its cluster then lives in a temporary directory of its own, removed on close like any other
        this.data = asUser.isEmpty() ? Files.createDirectories(data) : Files.createTempDirectory("sandbox-pg");
        this.port = TcpPorts.any();
        if (!asUser.isEmpty()) {
            UserPrincipal postgres = this.data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(this.data, postgres);
        }
        run("initdb", "-D", this.data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync");
        start();
    }

    /** A new cluster in a temporary directory, logging to {@code log}; empty when this machine has no PostgreSQL server binaries. */
    public static Optional<EmbeddedPostgres> create(Path log) throws Exception {
        return create(Path.of(System.getProperty("java.io.tmpdir")).resolve("sandbox-pg-" + java.util.UUID.randomUUID()), log);
    }

    /** A new cluster in {@code data} (created; removed again on close), logging to {@code log}; empty without server binaries. */
    public static Optional<EmbeddedPostgres> create(Path data, Path log) throws Exception {
        Optional<Path> bin = serverBinaries();
        return bin.isEmpty() ? Optional.empty() : Optional.of(new EmbeddedPostgres(bin.get(), data, log));
    }

    /** Whether PostgreSQL's server binaries (initdb, postgres) are installed. */
    public static boolean available() throws IOException {
        return serverBinaries().isPresent();
    }

    /** The cluster's {@code postgres} database; others are created by whoever uses it. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public synchronized void start() throws Exception {
        List<String> command = new ArrayList<>(asUser);
        command.addAll(List.of(bin.resolve("postgres").toString(), "-D", data.toString(), "-p", Integer.toString(port),
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + data, "-c", "max_connections=60"));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        TcpPorts.awaitListening(port, "PostgreSQL");
    }

    /** Kills the server and every backend at once, without a checkpoint. */
    public synchronized void crash() throws Exception {
        run("pg_ctl", "-D", data.toString(), "stop", "-m", "immediate", "-w");
        process.waitFor(20, TimeUnit.SECONDS);
    }

    public long pid() {
        return process.pid();
    }

    /** Where the cluster's files are. */
    public Path dataDirectory() {
        return data;
    }

    @Override
    public synchronized void close() throws Exception {
        try {
            if (process.isAlive()) {
                run("pg_ctl", "-D", data.toString(), "stop", "-m", "immediate", "-w");
                process.waitFor(20, TimeUnit.SECONDS);
            }
        } finally {
            try (Stream<Path> tree = Files.walk(data)) {
                tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void run(String program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(asUser);
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
        }
    }

    /** The newest installed server's bin directory (Debian: /usr/lib/postgresql/<major>/bin). */
    private static Optional<Path> serverBinaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("postgres")))
                    .max(Comparator.comparingInt(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))));
        }
    }
}
