package io.audiopipeline.common.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A pipeline program started through its {@code bin/} launcher as a separate OS process, output to a log file. */
public final class WorkerProcess implements AutoCloseable {
    private final String program;
    private final Process process;
    private final Path log;

    private WorkerProcess(String program, Process process, Path log) {
        this.program = program;
        this.process = process;
        this.log = log;
    }

    public static Path projectRoot() {
        String root = System.getenv("PIPELINE_PROJECT_ROOT");
        if (root == null) {
            throw new IllegalStateException("PIPELINE_PROJECT_ROOT is not set (Failsafe sets it to the project's root)");
        }
        return Path.of(root);
    }

    public static WorkerProcess start(String program, Map<String, String> env, Path logDir, String... args) throws IOException {
        return start(program, env, false, logDir, args);
    }

    /**
     * Started as systemd starts a service: an environment of nothing but systemd's PATH and the given
     * variables (the unit's env file), so no LANG, LC_*, HOME or JAVA_HOME from the test's shell.
     */
    public static WorkerProcess startLikeSystemd(String program, Map<String, String> env, Path logDir, String... args) throws IOException {
        return start(program, env, true, logDir, args);
    }

    private static WorkerProcess start(String program, Map<String, String> env, boolean bare, Path logDir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(projectRoot().resolve("bin").resolve(program).toString());
        command.addAll(List.of(args));
        Files.createDirectories(logDir);
        Path log = logDir.resolve(program + "-" + System.nanoTime() + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        if (bare) {
            builder.environment().clear();
            builder.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }
        builder.environment().putAll(env);
        builder.environment().put("PIPELINE_HOME", projectRoot().toString());
        return new WorkerProcess(program, builder.start(), log);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() throws IOException {
        return Files.readString(log);
    }

    public Path logFile() {
        return log;
    }

    /** Waits for the process to end by itself; returns its exit status. */
    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException(program + " still running after " + seconds + "s; log: " + log);
        }
        return process.exitValue();
    }

    /** SIGTERM, then waits; returns the exit status. */
    public int terminate(long seconds) throws InterruptedException {
        process.toHandle().destroy();
        return waitFor(seconds);
    }

    /** kill -9 of the JVM (descendants such as bridges are killed too, as when a VM dies). */
    public void kill() throws InterruptedException {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
