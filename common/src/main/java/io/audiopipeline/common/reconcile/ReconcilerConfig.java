package io.audiopipeline.common.reconcile;

import io.audiopipeline.common.config.Env;
import java.time.Duration;

/**
 * The reconciler's settings: RECONCILE_INTERVAL (default 30 s) between passes; RECONCILE_ENABLED (default
 * true); RECONCILE_NODE_LOST_AFTER (default 10 min): how long a node's transcribe queue may go without a
 * live GPU worker while its batches wait before they are recovered from their kept archives elsewhere.
 */
public record ReconcilerConfig(boolean enabled, Duration interval, Duration nodeLostAfter) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_NODE_LOST_AFTER = Duration.ofMinutes(10);

    public static ReconcilerConfig from(Env env) {
        return new ReconcilerConfig(env.bool("RECONCILE_ENABLED", true),
                env.duration("RECONCILE_INTERVAL", DEFAULT_INTERVAL, Duration.ofMillis(200)),
                env.duration("RECONCILE_NODE_LOST_AFTER", DEFAULT_NODE_LOST_AFTER, Duration.ofSeconds(1)));
    }
}
