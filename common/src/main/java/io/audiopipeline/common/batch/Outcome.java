package io.audiopipeline.common.batch;

/** What a file's settlement did to its batch. */
public enum Outcome {
    /** Counted now; the batch is not complete yet. */
    COUNTED,
    /** The file was settled before (or is not one the hand-off recorded): nothing changed. */
    ALREADY_COUNTED,
    /** Counted now, and its batch completed in the same transaction. */
    COMPLETED
}
