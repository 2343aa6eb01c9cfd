package io.audiopipeline.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A pipeline program started through its {@code bin/} launcher as a separate OS process, its output in a log file. */
public final class ChildProgram implements AutoCloseable {
    /** systemd's PATH for services: the only variable a unit's process has besides its own. */
    private static final String SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProgram(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** The project directory whose {@code bin/} launchers run: PIPELINE_PROJECT_ROOT (set by Failsafe and bench/run), else PIPELINE_HOME. */
    public static Path projectRoot() {
        String root = System.getenv("PIPELINE_PROJECT_ROOT");
        if (root == null) {
            root = System.getenv("PIPELINE_HOME");
        }
        if (root == null) {
            throw new IllegalStateException("neither PIPELINE_PROJECT_ROOT nor PIPELINE_HOME is set: which project's bin/ to run is unknown");
        }
        return Path.of(root);
    }

    /** Starts {@code program} of {@link #projectRoot()} with the caller's environment plus {@code env}. */
    public static ChildProgram start(String program, Map<String, String> env, Path logDir, String... args) throws IOException {
        return start(projectRoot(), program, env, false, logDir, args);
    }

    /**
     * Started as systemd starts a service: an environment of nothing but systemd's PATH and the given
     * variables (the unit's env file), so no LANG, LC_*, HOME or JAVA_HOME from the caller's shell.
     */
    public static ChildProgram startLikeSystemd(String program, Map<String, String> env, Path logDir, String... args) throws IOException {
        return start(projectRoot(), program, env, true, logDir, args);
    }

    public static ChildProgram start(Path home, String program, Map<String, String> env, boolean bare, Path logDir, String... args)
            throws IOException {
        Path launcher = home.resolve("bin").resolve(program);
        if (!Files.isExecutable(launcher)) {
            throw new IOException(launcher + " is not an executable launcher: is " + home + " the project directory?");
        }
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        Path log = freshLog(Files.createDirectories(logDir), program);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        if (bare) {
            builder.environment().clear();
            builder.environment().put("PATH", SYSTEMD_PATH);
        }
        builder.environment().putAll(env);
        builder.environment().put("PIPELINE_HOME", home.toString());
        return new ChildProgram(program, builder.start(), log);
    }

    /** {@code program.log}, or {@code program-2.log} and on when the program ran before in this directory. */
    private static Path freshLog(Path logDir, String program) {
        Path log = logDir.resolve(program + ".log");
        for (int n = 2; Files.exists(log); n++) {
            log = logDir.resolve(program + "-" + n + ".log");
        }
        return log;
    }

    public String name() {
        return name;
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

    /** The last {@code lines} lines of the program's output. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public Path logFile() {
        return log;
    }

    /** Waits for the program to end by itself; returns its exit status. */
    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " still running after " + seconds + "s; see " + log);
        }
        return process.exitValue();
    }

    /** SIGTERM (the program finishes its current job), then waits; returns the exit status. */
    public int terminate(long seconds) throws InterruptedException {
        process.toHandle().destroy();
        return waitFor(seconds);
    }

    /** SIGTERM, and kill -9 when it has not ended within {@code seconds}. */
    public void stop(long seconds) throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.toHandle().destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            kill();
        }
    }

    /** kill -9 of the JVM (descendants such as bridges are killed too, as when a VM dies). */
    public void kill() throws InterruptedException {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Kills the program when it still runs (a test's end). */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
