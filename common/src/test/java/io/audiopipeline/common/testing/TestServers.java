package io.audiopipeline.common.testing;

import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.config.S3Config;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.sandbox.EmbeddedS3;
import java.util.HashMap;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import redis.clients.jedis.UnifiedJedis;

/**
 * Where the integration tests find Redis and PostgreSQL: {@code REDIS_URL} / {@code DATABASE_URL} when
 * set (CI, a developer's machine with local servers), else containers when a Docker engine is present,
 * else a failure saying what to start. The containers, when used, live as long as the test JVM.
 */
public final class TestServers {
    private static String redisUrl;
    private static String[] database;

    private TestServers() {
    }

    public static synchronized String redisUrl() {
        if (redisUrl == null) {
            String env = System.getenv("REDIS_URL");
            if (env != null && !env.isBlank()) {
                redisUrl = env;
            } else if (dockerAvailable()) {
                GenericContainer<?> redis = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
                redis.start();
                redisUrl = "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379) + "/0";
            } else {
                throw new IllegalStateException("integration tests need Redis: start redis-server and set "
                        + "REDIS_URL=redis://127.0.0.1:6379/9 (the tests flush that database), or start a Docker engine");
            }
        }
        return redisUrl;
    }

    /** {url, user, password} */
    public static synchronized String[] database() {
        if (database == null) {
            String env = System.getenv("DATABASE_URL");
            if (env != null && !env.isBlank()) {
                database = new String[] {env, System.getenv().getOrDefault("DATABASE_USER", "postgres"), System.getenv("DATABASE_PASSWORD")};
            } else if (dockerAvailable()) {
                PostgreSQLContainer<?> pg = new PostgreSQLContainer<>("postgres:15-alpine");
                pg.start();
                database = new String[] {pg.getJdbcUrl(), pg.getUsername(), pg.getPassword()};
            } else {
                throw new IllegalStateException("integration tests need PostgreSQL: start it and set "
                        + "DATABASE_URL=jdbc:postgresql://127.0.0.1:5432/audio_pipeline_test (and DATABASE_USER), or start a Docker engine");
            }
        }
        return database;
    }

    /** The environment a worker under test gets for Redis and the database. */
    public static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", redisUrl());
        String[] db = database();
        env.put("DATABASE_URL", db[0]);
        env.put("DATABASE_USER", db[1]);
        if (db[2] != null) {
            env.put("DATABASE_PASSWORD", db[2]);
        }
        return env;
    }

    public static UnifiedJedis redis() {
        return io.audiopipeline.common.queue.RedisConnector.connect(RedisConfig.from(new Env(env())), 32);
    }

    /** Empties the test Redis database (the one named by REDIS_URL). */
    public static void flushRedis(UnifiedJedis redis) {
        redis.flushDB();
    }

    /** A pool on the test database with the schema applied and every table emptied. */
    public static Database freshDatabase() throws Exception {
        Database db = new Database(DatabaseConfig.from(new Env(env())), "test");
        db.applySchema();
        db.withHandle(h -> h.execute("TRUNCATE outbox, transcript_labels, policies, transcripts, audio_files, pipeline_events, transfers, transfer_failures, dead_letters, batches CASCADE"));
        return db;
    }

    /** The environment of a program using the test Redis and database and {@code s3}'s {@code bucket} (a map to add to). */
    public static Map<String, String> envWith(EmbeddedS3 s3, String bucket) {
        Map<String, String> env = env();
        env.putAll(s3.env(bucket));
        return env;
    }

    /** The configuration of a client of {@code s3}'s {@code bucket}. */
    public static S3Config s3Config(EmbeddedS3 s3, String bucket) {
        return S3Config.from(new Env(s3.env(bucket)));
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }
}
