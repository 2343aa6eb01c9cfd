package io.audiopipeline.sandbox;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The environment of the three workers on one machine (the demo, the end-to-end and chaos tests, the
 * bench): one node with its scratch volume, an inbox watched over {@code file://}, the CPU engine, health
 * on a free port. The servers' variables come from whoever started them; a caller adds its own variations.
 */
public final class LocalPipeline {
    private LocalPipeline() {
    }

    /** A new mutable map: the node's variables, on top of {@code servers} (REDIS_URL, DATABASE_URL, S3_...). */
    public static Map<String, String> env(Map<String, String> servers, String node, Path scratch, Path staging, Path inbox) {
        Map<String, String> env = new HashMap<>(servers);
        env.put("NODE_NAME", node);
        env.put("SCRATCH_ROOT", scratch.toString());
        env.put("STAGING_DIR", staging.toString());
        env.put("TRANSFER_SOURCE", inbox.toUri().toString());
        env.put("TRANSFER_POLL_INTERVAL", "1s");
        env.put("TRANSCRIBER", "pocketsphinx");
        env.put("SCRATCH_MIN_FREE_BYTES", "0");
        env.put("HTTP_PORT", "0");
        env.put("JAVA_OPTS", "-Xmx256m");
        return env;
    }
}
