package io.audiopipeline.common.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.audiopipeline.common.queue.ReliableQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's periodic duties: refresh the heartbeat, move due retries back on the queue, re-queue
 * the jobs of workers whose heartbeat expired, and publish queue depths.
 */
final class Housekeeper implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeper.class);

    private final ReliableQueue queue;
    private final WorkerStatus status;
    private final WorkerMetrics metrics;
    private final ObjectMapper json;

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
}
