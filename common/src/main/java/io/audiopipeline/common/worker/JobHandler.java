package io.audiopipeline.common.worker;

import io.audiopipeline.common.job.Job;

/**
 * A worker's domain work on one job. Handlers are idempotent (a job may be delivered more than once)
 * and do not retry, ack or dead-letter: they return, throw {@link PermanentJobException} for a job that
 * can never succeed, or throw anything else for a failure worth retrying.
 */
public interface JobHandler<T extends Job> {
    Class<T> jobType();

    void handle(T job, int attempt) throws Exception;

    /**
     * The job is about to go to the dead-letter list (a permanent failure, or out of attempts): record
     * what that means for its batch (a file counted as failed, so the batch can still complete). Must be
     * idempotent; if it throws, the job is retried instead of dead-lettered.
     */
    default void onDeadLetter(T job, String reason) throws Exception {
    }
}
