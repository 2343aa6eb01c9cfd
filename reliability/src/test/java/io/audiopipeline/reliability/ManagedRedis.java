package io.audiopipeline.reliability;

import io.audiopipeline.common.testing.TcpPorts;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server the test owns, with AOF persistence (fsync on every write), so it can be killed and
 * restarted on the same port and directory without losing an acknowledged write.
 */
final class ManagedRedis implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    ManagedRedis(Path dir) throws Exception {
        this.dir = dir;
        this.port = TcpPorts.any();
        start();
    }

    String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    synchronized void start() throws Exception {
        process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--dir", dir.toString(), "--daemonize", "no"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        TcpPorts.awaitListening(port, "redis-server");
    }

    /** kill -9, as when the server's VM dies; the AOF keeps every acknowledged write. */
    synchronized void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
