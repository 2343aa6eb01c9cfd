package io.audiopipeline.common.app;

/** A server the program needs cannot be reached at start. */
public final class UnavailableException extends RuntimeException {
    public UnavailableException(String message) {
        super(message);
    }
}
