package io.audiopipeline.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A pipeline program the demo runs through its bin/ launcher, its output in a log file. */
final class ChildProgram implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private ChildProgram(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static ChildProgram start(Path home, String program, Map<String, String> env, Path logDir, String... args) throws IOException {
        Path launcher = home.resolve("bin").resolve(program);
        if (!Files.isExecutable(launcher)) {
            throw new CliFailure(launcher + " not found: set PIPELINE_HOME to the project directory", 69);
        }
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        Files.createDirectories(logDir);
        Path log = logDir.resolve(program + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        return new ChildProgram(program, builder.start(), log);
    }

    String name() {
        return name;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new CliFailure(name + " did not finish within " + seconds + "s; see " + log, 1);
        }
        return process.exitValue();
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    Path log() {
        return log;
    }

    /** SIGTERM (the program finishes its current job), then force after the wait. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
