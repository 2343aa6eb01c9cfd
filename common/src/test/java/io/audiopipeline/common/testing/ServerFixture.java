package io.audiopipeline.common.testing;

import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.sandbox.EmbeddedS3;
import java.util.HashMap;
import java.util.Map;
import redis.clients.jedis.UnifiedJedis;

/**
 * The servers of a worker's integration tests: an in-process S3Proxy with one bucket, a Redis client and
 * the test database. {@link #reset()} gives each test an empty Redis database and empty tables;
 * {@link #env()} is the environment a worker under test starts from (fast retries, no disk threshold).
 */
public final class ServerFixture implements AutoCloseable {
    public final EmbeddedS3 s3;
    public final ObjectStore store;
    public final UnifiedJedis redis;
    private final String bucket;

    private ServerFixture(String bucket) throws Exception {
        this.bucket = bucket;
        this.s3 = EmbeddedS3.temporary();
        this.store = new ObjectStore(TestServers.s3Config(s3, bucket));
        store.createBucketIfMissing();
        this.redis = TestServers.redis();
    }

    public static ServerFixture start(String bucket) throws Exception {
        return new ServerFixture(bucket);
    }

    /** Flushes the test Redis database and returns a pool on the emptied test database. */
    public Database reset() throws Exception {
        TestServers.flushRedis(redis);
        return TestServers.freshDatabase();
    }

    public Map<String, String> env() {
        Map<String, String> env = new HashMap<>(TestServers.env());
        env.putAll(s3.env(bucket));
        env.put("RETRY_BASE_DELAY", "50ms");
        env.put("RETRY_MAX_DELAY", "100ms");
        env.put("SCRATCH_MIN_FREE_BYTES", "0");
        env.put("HTTP_PORT", "0");
        return env;
    }

    @Override
    public void close() throws Exception {
        store.close();
        redis.close();
        s3.close();
    }
}
