package io.audiopipeline.sandbox;

import java.nio.file.Path;
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
        process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--dir", dir.toString(), "--daemonize", "no"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        TcpPorts.awaitListening(port, "redis-server");
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
