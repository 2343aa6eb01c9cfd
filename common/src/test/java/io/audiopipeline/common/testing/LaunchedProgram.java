package io.audiopipeline.common.testing;

import io.audiopipeline.common.app.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** A program body run through {@link Launcher} in the test's JVM: its exit status and what it printed on stderr. */
public record LaunchedProgram(int exitCode, String stderr) {
    public static synchronized LaunchedProgram run(String program, Callable<Integer> body) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int code = Launcher.run(program, body);
            return new LaunchedProgram(code, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }
}
