package io.audiopipeline.cli;

import io.audiopipeline.common.config.Env;
import java.time.Duration;

/** The web view's settings: where it listens, the token its actions need (none: read-only), when a batch is stuck. */
record WebConfig(String bind, int port, String token, Duration stuckAfter) {
    static WebConfig from(Env env) {
        return new WebConfig(env.string("WEB_BIND", "127.0.0.1"), env.integer("WEB_PORT", 9100, 0, 65535), env.string("WEB_TOKEN", null),
                env.duration("STUCK_AFTER", Duration.ofMinutes(30), Duration.ZERO));
    }

    /** The token never shows, whoever prints this record. */
    @Override
    public String toString() {
        return "WebConfig[bind=" + bind + ", port=" + port + ", token=" + (token == null ? null : "****") + "]";
    }
}
