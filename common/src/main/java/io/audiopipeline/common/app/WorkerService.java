package io.audiopipeline.common.app;

import io.audiopipeline.common.worker.Worker;
import java.time.Duration;
import java.util.function.Supplier;

/** A queue {@link Worker} as a program's service: started by {@link #run}, stopped gracefully by SIGTERM. */
public final class WorkerService implements WorkerProgram.Service {
    private static final Duration FOREVER = Duration.ofDays(36500);

    private final Worker<?> worker;
    private final Supplier<String> description;

    public WorkerService(Worker<?> worker, Supplier<String> description) {
        this.worker = worker;
        this.description = description;
    }

    @Override
    public int run() throws InterruptedException {
        worker.start();
        worker.awaitStopped(FOREVER);
        return 0;
    }

    @Override
    public void stop(Duration grace) throws InterruptedException {
        worker.awaitStop(grace);
    }

    @Override
    public boolean isAlive() {
        return worker.isRunning();
    }

    @Override
    public String describe() {
        return description.get();
    }
}
