package io.audiopipeline.common.app;

import io.audiopipeline.common.config.Secrets;
import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.RedisConfig;
import io.audiopipeline.common.config.S3Config;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.http.ReadinessCheck;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.common.queue.RedisConnector;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * The three servers a program talks to, opened in order and checked at once (fail fast), closed in
 * reverse order.
 */
public final class Infrastructure implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Infrastructure.class);

    private final UnifiedJedis redis;
    private final Database database;
    private final ObjectStore store;

    private Infrastructure(UnifiedJedis redis, Database database, ObjectStore store) {
        this.redis = redis;
        this.database = database;
        this.store = store;
    }

    /** Opens and checks Redis, the database and the bucket; throws {@link UnavailableException} naming the one that failed. */
    public static Infrastructure open(RedisConfig redisConfig, DatabaseConfig dbConfig, S3Config s3Config, int redisConnections, String name) {
        UnifiedJedis redis = RedisConnector.connect(redisConfig, redisConnections);
        Database database = null;
        ObjectStore store = null;
        try {
            check("Redis at " + Secrets.mask(redisConfig.url().toString()), redis::ping);
            database = open("PostgreSQL at " + Secrets.mask(dbConfig.url()), () -> new Database(dbConfig, name));
            store = new ObjectStore(s3Config);
            ObjectStore s = store;
            check("S3 bucket '" + s3Config.bucket() + "'" + (s3Config.endpoint() == null ? "" : " at " + s3Config.endpoint()), s::checkBucket);
            return new Infrastructure(redis, database, store);
        } catch (RuntimeException e) {
            if (store != null) {
                store.close();
            }
            if (database != null) {
                database.close();
            }
            redis.close();
            throw e;
        }
    }

    public UnifiedJedis redis() {
        return redis;
    }

    public Database database() {
        return database;
    }

    public ObjectStore store() {
        return store;
    }

    public List<ReadinessCheck> readinessChecks() {
        return List.of(new ReadinessCheck("redis", redis::ping), new ReadinessCheck("database", database::check),
                new ReadinessCheck("s3", store::checkBucket));
    }

    @Override
    public void close() {
        closeQuietly("S3 client", store);
        closeQuietly("database pool", database);
        closeQuietly("Redis client", redis);
    }

    private static void closeQuietly(String what, AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("closing the {} failed: {}", what, e.toString());
        }
    }

    private static void check(String what, Runnable probe) {
        try {
            probe.run();
        } catch (RuntimeException e) {
            throw new UnavailableException(what + " is not reachable: " + firstLine(e));
        }
    }

    private static <T> T open(String what, java.util.function.Supplier<T> opener) {
        try {
            return opener.get();
        } catch (RuntimeException e) {
            throw new UnavailableException(what + " is not reachable: " + firstLine(e));
        }
    }

    static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
