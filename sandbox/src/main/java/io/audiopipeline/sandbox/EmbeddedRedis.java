package io.audiopipeline.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of the sandbox's own, on a free loopback port, keeping its files in {@code dir}: with
 * AOF persistence (fsync on every write), so it can be killed and restarted on the same port and
 * directory without losing an acknowledged write. The machine's Redis is never touched.
 */
public final class EmbeddedRedis implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    public EmbeddedRedis(Path dir) throws Exception {
        this.dir = dir;
        this.port = TcpPorts.any();
        start();
    }

    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    public synchronized void start() throws Exception {
        start("yes");
    }

    private void start(String appendOnly) throws Exception {
        process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--appendonly", appendOnly, "--appendfsync", "always", "--save", "", "--dir", dir.toString(), "--daemonize", "no"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        TcpPorts.awaitListening(port, "redis-server");
    }

    /** {@code SAVE}: everything Redis holds now, as an RDB snapshot kept at {@code target}. */
    public synchronized Path snapshot(Path target) throws Exception {
        cli("SAVE");
        return Files.copy(dir.resolve("dump.rdb"), target, StandardCopyOption.REPLACE_EXISTING);
    }

    /** kill -9, and started again with nothing: a Redis restarted without persistence loses every key. */
    public synchronized void restartEmpty() throws Exception {
        kill();
        deleteData();
        start();
    }

    /**
     * kill -9, and started again from {@code snapshot} alone: Redis back in time to the snapshot, as after a restart
     * with RDB persistence or a failover to a replica that had not caught up. Its AOF is then turned on again.
     */
    public synchronized void restartFrom(Path snapshot) throws Exception {
        kill();
        deleteData();
        Files.copy(snapshot, dir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
        start("no");
        cli("CONFIG", "SET", "appendonly", "yes");
    }

    private void deleteData() throws Exception {
        Files.deleteIfExists(dir.resolve("dump.rdb"));
        Path aof = dir.resolve("appendonlydir");
        if (Files.isDirectory(aof)) {
            try (var files = Files.list(aof)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(aof);
        }
    }

    private void cli(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (p.waitFor() != 0 || !out.equals("OK")) {
            throw new IllegalStateException("redis-cli " + String.join(" ", args) + ": " + out);
        }
    }

    /** kill -9, as when the server's VM dies; the AOF keeps every acknowledged write. */
    public synchronized void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
