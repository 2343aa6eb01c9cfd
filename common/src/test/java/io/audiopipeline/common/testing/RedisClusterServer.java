package io.audiopipeline.common.testing;

import io.audiopipeline.sandbox.TcpPorts;
import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.queue.RedisConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import redis.clients.jedis.UnifiedJedis;

/**
 * A real Redis Cluster the test owns: {@code masters} redis-server processes on free ports (each with its
 * cluster bus port, +10000, free too), joined with {@code redis-cli --cluster create}, data in a
 * temporary directory that is removed on close.
 */
public final class RedisClusterServer implements AutoCloseable {
    private final Path dir;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    public RedisClusterServer(int masters) throws Exception {
        dir = Files.createTempDirectory("redis-cluster");
        try {
            Random random = new Random();
            while (ports.size() < masters) {
                int port = 20_000 + random.nextInt(20_000);
                if (!ports.contains(port) && TcpPorts.free(port) && TcpPorts.free(port + 10_000)) {
                    ports.add(port);
                }
            }
            for (int port : ports) {
                Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
                processes.add(new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000",
                        "--save", "", "--appendonly", "no", "--dir", nodeDir.toString(), "--daemonize", "no")
                        .redirectErrorStream(true).redirectOutput(nodeDir.resolve("redis.log").toFile()).start());
            }
            for (int port : ports) {
                TcpPorts.awaitListening(port, "redis-server");
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            ports.forEach(p -> create.add("127.0.0.1:" + p));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + out);
            }
            for (int port : ports) {
                awaitClusterOk(port);
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** Whether redis-server and redis-cli are on the PATH. */
    public static boolean available() {
        for (String tool : List.of("redis-server", "redis-cli")) {
            boolean found = false;
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                found |= Files.isExecutable(Path.of(dir, tool));
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /** The configuration a worker would get: REDIS_URL (database 0) and REDIS_CLUSTER_NODES. */
    public Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", "redis://127.0.0.1:" + ports.get(0));
        env.put("REDIS_CLUSTER_NODES", ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
        return env;
    }

    public UnifiedJedis client() {
        return RedisConnector.connect(RedisConfig.from(new Env(env())), 16);
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        BatchCompletion.removeTree(dir);
    }

    private static void awaitClusterOk(int port) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        String info = "";
        while (System.currentTimeMillis() < deadline) {
            Process p = new ProcessBuilder("redis-cli", "-p", Integer.toString(port), "cluster", "info").redirectErrorStream(true).start();
            info = new String(p.getInputStream().readAllBytes());
            p.waitFor(10, TimeUnit.SECONDS);
            if (info.contains("cluster_state:ok")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("cluster node " + port + " is not ok: " + info);
    }
}
