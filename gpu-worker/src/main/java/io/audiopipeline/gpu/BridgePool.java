package io.audiopipeline.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge manager: one bridge per device, each kept running with its model loaded. A request takes
 * an idle bridge (waiting for one when all are busy), which is restarted first when it died, and
 * recycled after BRIDGE_MAX_FILES files (long-lived WhisperX processes creep up in GPU memory).
 */
final class BridgePool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BridgePool.class);

    private static final class Slot {
        final String device;
        BridgeProcess bridge;

        Slot(String device) {
            this.device = device;
        }
    }

    private final GpuConfig config;
    private final ObjectMapper json;
    private final GpuMetrics metrics;
    private final List<Slot> slots = new ArrayList<>();
    private final BlockingQueue<Slot> idle;

    BridgePool(GpuConfig config, ObjectMapper json, GpuMetrics metrics) {
        this.config = config;
        this.json = json;
        this.metrics = metrics;
        this.idle = new ArrayBlockingQueue<>(config.devices().size());
        for (String device : config.devices()) {
            Slot slot = new Slot(device);
            slots.add(slot);
            idle.add(slot);
        }
    }

    int size() {
        return slots.size();
    }

    /** Starts every bridge now (fail fast at worker start: a missing engine or model is reported at once). */
    void startAll() throws BridgeFailure, InterruptedException {
        for (Slot slot : slots) {
            synchronized (slot) {
                if (slot.bridge == null) {
                    slot.bridge = BridgeProcess.start(config.bridgeCommand(slot.device), slot.device, config.readyTimeout(), json);
                }
            }
        }
    }

    EngineResult transcribe(Path audio, Duration timeout) throws BridgeFailure, InterruptedException {
        Slot slot = idle.take();
        try {
            BridgeProcess bridge = ensureRunning(slot);
            long started = System.nanoTime();
            try {
                BridgeAnswer answer = bridge.transcribe(audio, config.language(), timeout);
                return new EngineResult(answer, (System.nanoTime() - started) / 1e9);
            } catch (BridgeFailure e) {
                log.warn("bridge on device {} failed ({}); restarting it before its next file", slot.device, e.getMessage());
                retire(slot, "failure");
                throw e;
            } finally {
                metrics.bridgeBusy((System.nanoTime() - started) / 1e9);
                if (slot.bridge != null && slot.bridge.filesServed() >= config.maxFilesPerBridge()) {
                    log.info("bridge on device {} served {} files (BRIDGE_MAX_FILES): recycling it", slot.device, slot.bridge.filesServed());
                    retire(slot, "recycle");
                }
            }
        } finally {
            idle.put(slot);
        }
    }

    /** The engine name, version and model of a running bridge (for the transcript row). */
    String engineInfo(String field) {
        for (Slot slot : slots) {
            BridgeProcess b = slot.bridge;
            if (b != null && b.engineInfo(field) != null) {
                return b.engineInfo(field);
            }
        }
        return null;
    }

    /** Process ids of the running bridges (for operators and fault-injection tests). */
    List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (Slot slot : slots) {
            BridgeProcess b = slot.bridge;
            if (b != null && b.healthy()) {
                pids.add(b.pid());
            }
        }
        return pids;
    }

    private BridgeProcess ensureRunning(Slot slot) throws BridgeFailure, InterruptedException {
        if (slot.bridge != null && !slot.bridge.healthy()) {
            log.warn("bridge on device {} (pid {}) is down ({}); restarting it", slot.device, slot.bridge.pid(), slot.bridge.brokenReason());
            retire(slot, "died");
        }
        if (slot.bridge == null) {
            slot.bridge = BridgeProcess.start(config.bridgeCommand(slot.device), slot.device, config.readyTimeout(), json);
            metrics.bridgeStarted();
        }
        return slot.bridge;
    }

    private void retire(Slot slot, String reason) {
        if (slot.bridge != null) {
            slot.bridge.close();
            slot.bridge = null;
            metrics.bridgeRestart(reason);
        }
    }

    @Override
    public void close() {
        for (Slot slot : slots) {
            if (slot.bridge != null) {
                slot.bridge.close();
                slot.bridge = null;
            }
        }
    }
}
