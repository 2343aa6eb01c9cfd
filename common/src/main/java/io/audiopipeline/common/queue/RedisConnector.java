package io.audiopipeline.common.queue;

import io.audiopipeline.common.config.RedisConfig;
import java.util.HashSet;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/** Opens the Redis client of the configuration: a pool for standalone, a cluster client for a cluster. */
public final class RedisConnector {
    private RedisConnector() {
    }

    /** {@code connections} must cover the blocking consumers plus housekeeping. */
    public static UnifiedJedis connect(RedisConfig config, int connections) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(connections);
        pool.setMaxIdle(connections);
        pool.setJmxEnabled(false);
        if (config.cluster()) {
            Set<HostAndPort> nodes = new HashSet<>();
            for (String node : config.clusterNodes()) {
                nodes.add(HostAndPort.from(node));
            }
            return new JedisCluster(nodes, clientConfig(config), 5, pool);
        }
        JedisClientConfig client = clientConfig(config);
        HostAndPort address = new HostAndPort(config.url().getHost(), config.url().getPort() < 0 ? 6379 : config.url().getPort());
        return new JedisPooled(pool, address, client);
    }

    private static JedisClientConfig clientConfig(RedisConfig config) {
        boolean tls = "rediss".equals(config.url().getScheme());
        DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(5_000).socketTimeoutMillis(10_000)
                .ssl(tls);
        if (tls) {
            // the server's certificate must name the host we asked for, not just be signed by a trusted CA
            javax.net.ssl.SSLParameters parameters = new javax.net.ssl.SSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            builder.sslParameters(parameters);
        }
        String userInfo = config.url().getUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                builder.password(userInfo);
            } else {
                if (colon > 0) {
                    builder.user(userInfo.substring(0, colon));
                }
                builder.password(userInfo.substring(colon + 1));
            }
        }
        String path = config.url().getPath();
        if (path != null && path.length() > 1) {
            builder.database(Integer.parseInt(path.substring(1)));
        }
        return builder.build();
    }
}
