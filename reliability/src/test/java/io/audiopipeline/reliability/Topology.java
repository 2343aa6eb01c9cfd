package io.audiopipeline.reliability;

import io.audiopipeline.sandbox.ChildProgram;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** The worker processes of one node: transfer, unpack and GPU workers, replaced when killed or stopped. */
final class Topology implements AutoCloseable {
    record Slot(String program, ChildProgram process) {
    }

    private final Map<String, String> env;
    private final Path logs;
    private final List<Slot> slots = new ArrayList<>();

    Topology(Map<String, String> env, Path logs) {
        this.env = env;
        this.logs = logs;
    }

    synchronized void start(String program, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            slots.add(new Slot(program, ChildProgram.start(program, env, logs)));
        }
    }

    synchronized Slot pick(Random random, String... programs) {
        List<Slot> candidates = slots.stream().filter(s -> List.of(programs).contains(s.program())).toList();
        return candidates.get(random.nextInt(candidates.size()));
    }

    /** Replaces a slot's process with a fresh one of the same program. */
    synchronized void replace(Slot old) throws Exception {
        slots.remove(old);
        slots.add(new Slot(old.program(), ChildProgram.start(old.program(), env, logs)));
    }

    synchronized List<Slot> slots() {
        return List.copyOf(slots);
    }

    /**
     * What systemd does for the units (Restart=on-failure): a worker that exited by itself because a server
     * was down while it started (exit 69, EX_UNAVAILABLE: it fails fast by design) is started again. Any
     * other exit is left as it is, for the report. Returns what was restarted.
     */
    synchronized List<String> restartUnavailable() throws Exception {
        List<String> restarted = new ArrayList<>();
        for (Slot s : List.copyOf(slots)) {
            if (!s.process().isAlive() && s.process().waitFor(1) == 69) {
                restarted.add(s.program() + " pid " + s.process().pid());
                replace(s);
            }
        }
        return restarted;
    }

    /** Graceful stop of everything (SIGTERM); returns the exit statuses that were not 0. */
    synchronized List<String> stopAll() throws InterruptedException {
        List<String> unclean = new ArrayList<>();
        for (Slot s : slots) {
            int code = s.process().terminate(180);
            if (code != 0) {
                unclean.add(s.program() + " pid " + s.process().pid() + " exited " + code);
            }
        }
        slots.clear();
        return unclean;
    }

    @Override
    public synchronized void close() throws InterruptedException {
        for (Slot s : slots) {
            s.process().close();
        }
    }
}
