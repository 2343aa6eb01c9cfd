package io.audiopipeline.common.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * What every worker shares: its node, its HTTP port, how many jobs it runs at once, and the queue's
 * delivery rules (attempts, visibility timeout, backoff, grace period on SIGTERM).
 */
public record RuntimeConfig(String nodeName, int httpPort, int concurrency, int maxAttempts,
                            Duration visibilityTimeout, Duration retryBaseDelay, Duration retryMaxDelay,
                            Duration gracePeriod, Duration batchKeyTtl, String httpBind) {
    /** The health server listens on every interface unless HTTP_BIND names one (e.g. 127.0.0.1 behind a local scraper). */
    public static final String DEFAULT_HTTP_BIND = "0.0.0.0";
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RETRY_BASE_DELAY = Duration.ofSeconds(2);
    public static final Duration DEFAULT_RETRY_MAX_DELAY = Duration.ofMinutes(5);
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(120);
    public static final Duration DEFAULT_BATCH_KEY_TTL = Duration.ofDays(7);

    /** Reads the shared settings; {@code defaultHttpPort} and {@code defaultConcurrency} are the worker's own. */
    public static RuntimeConfig from(Env env, int defaultHttpPort, int defaultConcurrency) {
        String node = env.string("NODE_NAME", hostName());
        if (!node.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new ConfigException("NODE_NAME", "may hold only letters, digits, '.', '_' and '-', got '" + node + "'");
        }
        return new RuntimeConfig(node,
                env.integer("HTTP_PORT", defaultHttpPort, 0, 65535),
                env.integer("WORKER_CONCURRENCY", defaultConcurrency, 1, 256),
                env.integer("MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, 1, 100),
                env.duration("VISIBILITY_TIMEOUT", DEFAULT_VISIBILITY_TIMEOUT, Duration.ofSeconds(3)),
                env.duration("RETRY_BASE_DELAY", DEFAULT_RETRY_BASE_DELAY, Duration.ofMillis(10)),
                env.duration("RETRY_MAX_DELAY", DEFAULT_RETRY_MAX_DELAY, Duration.ofMillis(10)),
                env.duration("SHUTDOWN_GRACE_PERIOD", DEFAULT_GRACE_PERIOD, Duration.ZERO),
                env.duration("BATCH_KEY_TTL", DEFAULT_BATCH_KEY_TTL, Duration.ofSeconds(1)),
                httpBind(env));
    }

    private static String httpBind(Env env) {
        String bind = env.string("HTTP_BIND", DEFAULT_HTTP_BIND);
        if (!bind.matches("[A-Za-z0-9.:\\[\\]-]{1,255}")) {
            throw new ConfigException("HTTP_BIND", "must be an address or host name such as 127.0.0.1, got '" + bind + "'");
        }
        return bind;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().split("\\.")[0];
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
