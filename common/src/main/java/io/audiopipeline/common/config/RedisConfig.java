package io.audiopipeline.common.config;

import java.net.URI;
import java.util.List;
import java.util.Set;

/** Where Redis is: one standalone URL, or the seed nodes of a cluster. */
public record RedisConfig(URI url, List<String> clusterNodes) {
    public static final String DEFAULT_URL = "redis://127.0.0.1:6379";

    public static RedisConfig from(Env env) {
        URI url = env.uri("REDIS_URL", DEFAULT_URL, Set.of("redis", "rediss"));
        String nodes = env.string("REDIS_CLUSTER_NODES", null);
        List<String> cluster = nodes == null ? List.of() : List.of(nodes.split("\\s*,\\s*"));
        for (String node : cluster) {
            if (!node.matches("[^:\\s]+:\\d{1,5}")) {
                throw new ConfigException("REDIS_CLUSTER_NODES", "must be host:port[,host:port...], got '" + node + "'");
            }
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            throw new ConfigException("REDIS_URL", "has no host: '" + Secrets.mask(url.toString()) + "' (a password holding @, : or / must be "
                    + "URL-encoded: %40, %3A, %2F)");
        }
        String path = url.getPath() == null ? "" : url.getPath();
        if (!path.isEmpty() && !path.matches("/\\d{0,5}")) {
            throw new ConfigException("REDIS_URL", "the path must be a database number such as /0, got '" + path + "'");
        }
        if (!cluster.isEmpty() && !path.isEmpty() && !path.equals("/") && !path.equals("/0")) {
            throw new ConfigException("REDIS_URL", "a Redis Cluster has only database 0, got '" + path.substring(1)
                    + "' (REDIS_CLUSTER_NODES is set); drop it from the URL, which then gives only the credentials");
        }
        return new RedisConfig(url, cluster);
    }

    public boolean cluster() {
        return !clusterNodes.isEmpty();
    }
}
