package io.audiopipeline.common.job;

/** A payload that can never be processed: bad JSON, a missing or ill-typed field, a value out of bounds. */
public final class MalformedJobException extends Exception {
    public MalformedJobException(String reason) {
        super(reason);
    }

    public MalformedJobException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
