package io.audiopipeline.bench;

import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.config.S3Config;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.queue.RedisConnector;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.sandbox.EmbeddedS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;

/**
 * The servers of a benchmark run: Redis (database 8 unless REDIS_URL says otherwise, flushed), PostgreSQL
 * (audio_pipeline_bench, created and emptied), and an in-process S3Proxy.
 */
final class BenchEnv implements AutoCloseable {
    static final String BUCKET = "bench";

    final Path work;
    final Path root;
    final Map<String, String> env = new HashMap<>();
    final EmbeddedS3 s3;
    final ObjectStore store;
    final UnifiedJedis redis;
    final Database db;

    BenchEnv(Path root) throws Exception {
        this.root = root;
        this.work = Files.createDirectories(root.resolve("bench/work"));
        env.put("REDIS_URL", System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379/8"));
        env.put("DATABASE_URL", System.getenv().getOrDefault("DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/audio_pipeline_bench"));
        env.put("DATABASE_USER", System.getenv().getOrDefault("DATABASE_USER", "postgres"));
        if (System.getenv("DATABASE_PASSWORD") != null) {
            env.put("DATABASE_PASSWORD", System.getenv("DATABASE_PASSWORD"));
        }
        Database.createIfMissing(DatabaseConfig.from(new Env(env)));
        s3 = EmbeddedS3.temporary();
        env.putAll(s3.env(BUCKET));
        store = new ObjectStore(S3Config.from(new Env(s3.env(BUCKET))));
        store.createBucketIfMissing();
        redis = RedisConnector.connect(RedisConfig.from(new Env(env)), 16);
        db = new Database(DatabaseConfig.from(new Env(env)), "bench");
        db.applySchema();
        env.put("PIPELINE_HOME", root.toString());
        env.put("HTTP_PORT", "0");
        env.put("SCRATCH_MIN_FREE_BYTES", "0");
        // BENCH_WORKER_JAVA_OPTS adds options to every worker's JVM, e.g. a flight recording to profile one
        env.put("JAVA_OPTS", ("-Xmx256m " + System.getenv().getOrDefault("BENCH_WORKER_JAVA_OPTS", "")).trim());
    }

    /** Commands the Redis server has run since it started (INFO commandstats), to count a run's commands. */
    long redisCommandsSoFar() {
        return redisCallsByCommand().values().stream().mapToLong(Long::longValue).sum();
    }

    /** Calls per command name since the server started (INFO commandstats; a script's own calls included). */
    Map<String, Long> redisCallsByCommand() {
        String stats = new String((byte[]) redis.sendCommand(Protocol.Command.INFO, "commandstats"));
        Map<String, Long> calls = new TreeMap<>();
        Matcher m = Pattern.compile("cmdstat_([^:]+):calls=(\\d+)").matcher(stats);
        while (m.find()) {
            calls.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return calls;
    }

    /** Batches completed so far (one query: a bench's poll), or -1 while the database does not answer. */
    long completedBatches() {
        try {
            return db.withHandle(h -> h.createQuery("SELECT count(*) FROM batches WHERE status = 'completed'").mapTo(Long.class).one());
        } catch (Exception ex) {
            return -1;
        }
    }

    void reset() throws Exception {
        redis.flushDB();
        db.withHandle(h -> h.execute("TRUNCATE transcripts, audio_files, pipeline_events, transfers, batches CASCADE"));
    }

    @Override
    public void close() throws Exception {
        db.close();
        redis.close();
        store.close();
        s3.close();
    }
}
