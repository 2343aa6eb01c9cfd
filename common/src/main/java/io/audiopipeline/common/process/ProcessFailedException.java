package io.audiopipeline.common.process;

import java.io.IOException;

/** A subprocess that exited non-zero or ran past its timeout; carries the exit code and stderr tail. */
public final class ProcessFailedException extends IOException {
    private final int exitCode;
    private final String stderrTail;
    private final boolean timedOut;

    public ProcessFailedException(String command, int exitCode, String stderrTail, boolean timedOut) {
        super(command + (timedOut ? " timed out" : " exited with " + exitCode) + (stderrTail.isBlank() ? "" : ": " + stderrTail));
        this.exitCode = exitCode;
        this.stderrTail = stderrTail;
        this.timedOut = timedOut;
    }

    public int exitCode() {
        return exitCode;
    }

    public String stderrTail() {
        return stderrTail;
    }

    public boolean timedOut() {
        return timedOut;
    }
}
