package io.audiopipeline.common.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.queue.ReliableQueue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's periodic duties: refresh the heartbeat, put back jobs of its own processing list that it does not
 * run, move due retries back on the queue, re-queue the jobs of workers whose heartbeat expired, and publish queue
 * depths.
 */
final class Housekeeper implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeper.class);
    /** Rounds in a row a job must be seen in the processing list and not run before it is put back (a visibility timeout). */
    private static final int STRAY_ROUNDS = 4;

    private final ReliableQueue queue;
    private final WorkerStatus status;
    private final WorkerMetrics metrics;
    private final ObjectMapper json;
    private Map<String, Integer> strays = new HashMap<>();

    Housekeeper(ReliableQueue queue, WorkerStatus status, WorkerMetrics metrics, ObjectMapper json) {
        this.queue = queue;
        this.status = status;
        this.metrics = metrics;
        this.json = json;
    }

    void beat() {
        queue.heartbeat(status.toJson(json));
    }

    @Override
    public void run() {
        // catch everything: a scheduled task that throws is silently never run again
        try {
            beat();
            // before due retries go back on the queue: a job promoted now is fetched at once, and is no stray
            requeueStrays();
            long promoted = queue.promoteDue();
            if (promoted > 0) {
                log.debug("{} delayed retries of {} are due and back on the queue", promoted, queue.keys().name());
            }
            long orphans = queue.reapOrphans();
            if (orphans > 0) {
                log.warn("re-queued {} jobs of {} held by workers whose heartbeat expired", orphans, queue.keys().name());
            }
            metrics.queue(queue.stats());
        } catch (Exception e) {
            log.warn("housekeeping of queue {} failed, next round soon: {}", queue.keys().name(), e.toString());
        }
    }

    /**
     * Jobs in this worker's processing list that it does not run: restored there by a Redis back from an older
     * snapshot, or moved there by a fetch whose answer a Redis restart cut off. Seen so in {@value #STRAY_ROUNDS}
     * rounds in a row (a job just fetched is begun within milliseconds), they go back on the queue, where a
     * redelivery finds them settled and does nothing, finds another live worker holding them and drops them, or
     * runs them.
     */
    private void requeueStrays() {
        List<String> running = new ArrayList<>(status.payloads());
        Map<String, Integer> seen = new HashMap<>();
        for (String payload : queue.processing()) {
            if (!running.remove(payload)) {
                int rounds = strays.getOrDefault(payload, 0) + 1;
                if (rounds < STRAY_ROUNDS) {
                    seen.put(payload, rounds);
                } else if (queue.requeueStray(payload)) {
                    log.warn("a job in the processing list of {} that it does not run is back on {}", queue.workerId(), queue.keys().main());
                }
            }
        }
        strays = seen;
    }
}
