package io.audiopipeline.common.batch;

/** What a report did to its batch. */
public enum Outcome {
    /** Counted now; the batch is not complete yet. */
    COUNTED,
    /** This file had already been counted: nothing changed. */
    ALREADY_COUNTED,
    /**
     * This report completed the batch: the caller runs the batch's completion. A redelivery of the very
     * report that completed the batch sees this again, so a completion interrupted by a crash is re-run.
     */
    COMPLETED
}
