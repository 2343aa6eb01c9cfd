package io.audiopipeline.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The labeller bridge: one long-lived process with its model loaded, one request at a time, started again
 * when it died, hung or broke the protocol (the request in flight then fails as retryable).
 */
final class LabelerBridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LabelerBridge.class);

    private final LabelerConfig config;
    private final ObjectMapper json;
    private final GpuMetrics metrics;
    private BridgeProcess bridge;

    LabelerBridge(LabelerConfig config, ObjectMapper json, GpuMetrics metrics) {
        this.config = config;
        this.json = json;
        this.metrics = metrics;
    }

    /** Starts the bridge now: a missing engine or model is reported when the worker starts. */
    synchronized void start() throws BridgeFailure, InterruptedException {
        running();
    }

    /** The model labels are stored under, as the running bridge reports it. */
    synchronized String model() throws BridgeFailure, InterruptedException {
        return running().engineInfo("model");
    }

    synchronized JsonNode label(String policy, String content) throws BridgeFailure, InterruptedException {
        BridgeProcess b = running();
        try {
            return b.label(policy, content, config.timeout());
        } catch (BridgeFailure e) {
            log.warn("labeller bridge failed ({}); it is started again before its next request", e.getMessage());
            retire("failure");
            throw e;
        }
    }

    synchronized Long pid() {
        return bridge != null && bridge.healthy() ? bridge.pid() : null;
    }

    private BridgeProcess running() throws BridgeFailure, InterruptedException {
        if (bridge != null && !bridge.healthy()) {
            log.warn("labeller bridge (pid {}) is down ({}); starting it again", bridge.pid(), bridge.brokenReason());
            retire("died");
        }
        if (bridge == null) {
            bridge = BridgeProcess.start(config.bridgeCommand(), config.device(), config.readyTimeout(), json);
        }
        return bridge;
    }

    private void retire(String reason) {
        if (bridge != null) {
            bridge.close();
            bridge = null;
            metrics.bridgeRestart("labeller-" + reason);
        }
    }

    @Override
    public synchronized void close() {
        if (bridge != null) {
            bridge.close();
            bridge = null;
        }
    }
}
