package io.audiopipeline.cli;

/** A command that cannot do what was asked: one line for the operator, and an exit status. */
public final class CliFailure extends RuntimeException {
    private final int exitCode;

    public CliFailure(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
