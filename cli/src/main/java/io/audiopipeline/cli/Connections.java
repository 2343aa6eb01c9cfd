package io.audiopipeline.cli;

import io.audiopipeline.common.app.UnavailableException;
import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.config.S3Config;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.queue.RedisConnector;
import io.audiopipeline.common.storage.ObjectStore;
import redis.clients.jedis.UnifiedJedis;

/** The servers a command needs, opened on first use from the environment, closed in reverse order. */
public final class Connections implements AutoCloseable {
    private final Env env;
    private final JobCodec codec = new JobCodec();
    private UnifiedJedis redis;
    private Database database;
    private ObjectStore store;

    public Connections(Env env) {
        this.env = env;
    }

    static Connections fromEnvironment() {
        return new Connections(Env.system());
    }

    Env env() {
        return env;
    }

    JobCodec codec() {
        return codec;
    }

    public UnifiedJedis redis() {
        if (redis == null) {
            RedisConfig config = RedisConfig.from(env);
            UnifiedJedis client = RedisConnector.connect(config, 4);
            try {
                client.ping();
            } catch (RuntimeException e) {
                client.close();
                throw new UnavailableException("Redis at " + config.url() + " is not reachable (" + e.getMessage()
                        + "); start it (redis-server) or set REDIS_URL");
            }
            redis = client;
        }
        return redis;
    }

    public Database database() {
        if (database == null) {
            DatabaseConfig config = DatabaseConfig.from(env);
            try {
                database = new Database(new DatabaseConfig(config.url(), config.user(), config.password(), 2), "pipeline-cli");
            } catch (RuntimeException e) {
                throw new UnavailableException("PostgreSQL at " + config.url() + " is not reachable (" + rootMessage(e)
                        + "); start it or set DATABASE_URL / DATABASE_USER");
            }
        }
        return database;
    }

    ObjectStore store() {
        if (store == null) {
            store = new ObjectStore(S3Config.from(env));
        }
        return store;
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    @Override
    public void close() {
        if (store != null) {
            store.close();
        }
        if (database != null) {
            database.close();
        }
        if (redis != null) {
            redis.close();
        }
    }
}
