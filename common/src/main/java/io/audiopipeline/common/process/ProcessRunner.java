package io.audiopipeline.common.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command from an argument list (never a shell string) with a timeout: stdout is collected,
 * stderr drained on its own thread keeping the last lines, and a process past its timeout is destroyed.
 */
public final class ProcessRunner {
    private static final int STDERR_TAIL_LINES = 8;

    public record Result(String stdout, String stderrTail) {
    }

    public Result run(List<String> command, Duration timeout, Path workDir) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        Process process = builder.start();
        Deque<String> tail = new ArrayDeque<>();
        Thread drain = new Thread(() -> drainTail(process.getErrorStream(), tail), "stderr-" + command.get(0));
        drain.setDaemon(true);
        drain.start();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(process.getInputStream(), stdout), "stdout-" + command.get(0));
        reader.setDaemon(true);
        reader.start();
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
        if (!finished) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        reader.join(5_000);
        drain.join(5_000);
        String stderr;
        synchronized (tail) {
            stderr = String.join(" | ", tail);
        }
        if (!finished) {
            throw new ProcessFailedException(command.get(0), -1, stderr, true);
        }
        if (process.exitValue() != 0) {
            throw new ProcessFailedException(command.get(0), process.exitValue(), stderr, false);
        }
        synchronized (stdout) {
            return new Result(stdout.toString(StandardCharsets.UTF_8), stderr);
        }
    }

    private static void drainTail(InputStream stream, Deque<String> tail) {
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                synchronized (tail) {
                    tail.addLast(line.strip());
                    while (tail.size() > STDERR_TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
            }
        } catch (IOException ignored) {
            // the process was destroyed; what was read is kept
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                synchronized (out) {
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException ignored) {
            // the process was destroyed; what was read is kept
        }
    }
}
