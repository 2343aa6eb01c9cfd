package io.audiopipeline.demo;

import java.io.PrintStream;

/**
 * The demo's progress: on a terminal a bar redrawn in place; anywhere else (a pipe, a log, CI) one line
 * each time the text changes, never the same bar again and again on one line.
 */
final class DemoProgress {
    private final PrintStream out;
    private final boolean terminal;
    private String last;

    DemoProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    static DemoProgress forStderr() {
        return new DemoProgress(System.err, System.console() != null);
    }

    void show(String line) {
        if (line.equals(last)) {
            return;
        }
        last = line;
        if (terminal) {
            out.print("\r" + line + "\033[K");
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends the bar's line on a terminal; nothing to do elsewhere. */
    void done() {
        if (terminal && last != null) {
            out.println();
        }
    }
}
