package io.audiopipeline.common.batch;

import java.io.IOException;
import java.sql.SQLException;

/**
 * The one place that keeps a batch's counts and runs its completion, exactly once. Handlers only say
 * what happened to a file (processed, failed), or that the hand-off opened the batch with its total;
 * the report that completes the batch runs the completion here, and a completion interrupted by a
 * crash is finished by the redelivery of the same report ({@link #resume}).
 */
public final class BatchLedger {
    private final BatchTracker tracker;
    private final BatchCompletion completion;

    public BatchLedger(BatchTracker tracker, BatchCompletion completion) {
        this.tracker = tracker;
        this.completion = completion;
    }

    /** The file is transcribed and uploaded; completes the batch when it was the last one. */
    public Outcome processed(String batchId, String file) throws IOException, SQLException {
        return completeIf(batchId, tracker.recordProcessed(batchId, file));
    }

    /** The file failed for good; completes the batch when it was the last one. */
    public Outcome failed(String batchId, String file) throws IOException, SQLException {
        return completeIf(batchId, tracker.recordFailed(batchId, file));
    }

    /**
     * For a redelivered job: whether {@code file} (or {@link #HAND_OFF} for the hand-off) was already
     * counted, finishing first the batch's completion if that report completed it and the completion never
     * ran to its end.
     */
    public boolean resume(String batchId, String file) throws IOException, SQLException {
        boolean counted = HAND_OFF.equals(file) ? tracker.counts(batchId).completed() : tracker.isCounted(batchId, file);
        if (counted && tracker.completionPending(batchId, HAND_OFF.equals(file) ? BatchTracker.INIT_MARKER : file)) {
            runCompletion(batchId);
        }
        return counted;
    }

    /** Names the hand-off's own report in {@link #resume}. */
    public static final String HAND_OFF = "\0hand-off";

    public boolean isCounted(String batchId, String file) {
        return tracker.isCounted(batchId, file);
    }

    /** Which of {@code files} are counted already (one round trip per few hundred names). */
    public java.util.Set<String> countedAmong(String batchId, java.util.List<String> files) {
        return tracker.countedAmong(batchId, files);
    }

    public BatchCounts counts(String batchId) {
        return tracker.counts(batchId);
    }

    /**
     * A batch's hand-off: failures found while unpacking, then the total. Any of them may complete the
     * batch (every recording failed, or none was found); the completion then runs at the hand-off's
     * {@link HandOff#finish}, after its jobs are published and its events written.
     */
    public HandOff handOff(String batchId) {
        return new HandOff(batchId);
    }

    public final class HandOff {
        private final String batchId;
        private boolean completed;

        private HandOff(String batchId) {
            this.batchId = batchId;
        }

        public void failed(String file) {
            completed |= tracker.recordFailed(batchId, file) == Outcome.COMPLETED;
        }

        /** Sets the total (once: a redelivered hand-off never resets it), the archive key and the node. */
        public void open(long total, String s3Key, String node) {
            completed |= tracker.initialize(batchId, total, s3Key, node);
        }

        /** The hand-off's last step: runs the completion when one of its reports completed the batch. */
        public void finish() throws IOException, SQLException {
            if (completed) {
                runCompletion(batchId);
            }
        }
    }

    private Outcome completeIf(String batchId, Outcome outcome) throws IOException, SQLException {
        if (outcome == Outcome.COMPLETED) {
            runCompletion(batchId);
        }
        return outcome;
    }

    /** The only call of the batch's completion: reached only by the one report that completed the batch, or its redelivery. */
    private void runCompletion(String batchId) throws IOException, SQLException {
        completion.complete(batchId);
    }
}
