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

    /**
     * Jobs in this worker's processing list that it does not run (a Redis back from an older snapshot restores
     * the list as it was): seen so in two rounds in a row (a job just fetched is not begun yet), they go back
     * on the queue, where a redelivery finds them settled and does nothing, or runs them if they are not.
     * Looked for only in the rounds after Redis lost data (see {@link #beat}).
     */
    private void requeueStrays() {
        java.util.List<String> running = new java.util.ArrayList<>(status.payloads());
        java.util.List<String> strays = new java.util.ArrayList<>();
        for (String payload : queue.processing()) {
            if (!running.remove(payload)) {
                strays.add(payload);
            }
        }
        java.util.List<String> confirmed = new java.util.ArrayList<>();
        for (String payload : strays) {
            if (straysBefore.remove(payload)) {
                confirmed.add(payload);
            }
        }
        for (String payload : confirmed) {
            if (queue.requeueStray(payload)) {
                log.warn("a job in the processing list of {} that it does not run (Redis restored it) is back on {}", queue.workerId(),
                        queue.keys().main());
            }
        }
        strays.removeAll(confirmed);
        straysBefore = strays;
    }

    private java.util.List<String> straysBefore = new java.util.ArrayList<>();

    /**
     * Refreshes the heartbeat. A heartbeat that is not the one written last (gone, or an older one) means Redis
     * lost data or went back in time: the next rounds look for jobs Redis restored into this worker's processing
     * list that it does not run.
     */
    void beat() {
        if (lastBeat != null && !lastBeat.equals(queue.heartbeatValue())) {
            strayRounds = 3;
        }
        String beat = status.toJson(json);
        queue.heartbeat(beat);
        lastBeat = beat;
    }

    private String lastBeat;
    private int strayRounds;

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
            if (strayRounds > 0) {
                strayRounds--;
                requeueStrays();
            }
            metrics.queue(queue.stats());
        } catch (Exception e) {
            log.warn("housekeeping of queue {} failed, next round soon: {}", queue.keys().name(), e.toString());
        }
    }
}
