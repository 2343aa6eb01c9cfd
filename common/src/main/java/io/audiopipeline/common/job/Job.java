package io.audiopipeline.common.job;

/** A queue payload: every job belongs to a batch, and checks its own field values. */
public interface Job {
    String batchId();

    /** Rejects values the JSON types allow but the contract does not. */
    void validate() throws MalformedJobException;
}
