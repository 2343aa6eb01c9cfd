package io.audiopipeline.common.batch;

/** What a report did to its batch. */
public enum Outcome {
    /** Counted now; the batch is not complete yet. */
    COUNTED,
    /** This file had already been counted: nothing changed. */
    ALREADY_COUNTED,
    /**
     * This report completed the batch: the caller, and only it, runs the batch's completion and then
     * calls {@link BatchTracker#finalizeCompletion}.
     */
    COMPLETED
}
