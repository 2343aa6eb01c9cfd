package io.audiopipeline.common.app;

import io.audiopipeline.common.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * One or more queue {@link Worker}s of one program as its service: all started by {@link #run}, all
 * stopped gracefully by SIGTERM; the program runs while every one of them does.
 */
public final class WorkerService implements WorkerProgram.Service {
    private static final Duration FOREVER = Duration.ofDays(36500);

    private final List<Worker<?>> workers;
    private final Supplier<String> description;

    public WorkerService(Worker<?> worker, Supplier<String> description) {
        this(List.of(worker), description);
    }

    public WorkerService(List<Worker<?>> workers, Supplier<String> description) {
        this.workers = List.copyOf(workers);
        this.description = description;
    }

    @Override
    public int run() throws InterruptedException {
        for (Worker<?> worker : workers) {
            worker.start();
        }
        for (Worker<?> worker : workers) {
            worker.awaitStopped(FOREVER);
        }
        return 0;
    }

    @Override
    public void stop(Duration grace) throws InterruptedException {
        for (Worker<?> worker : workers) {
            worker.stop();
        }
        for (Worker<?> worker : workers) {
            worker.awaitStop(grace);
        }
    }

    @Override
    public boolean isAlive() {
        return workers.stream().allMatch(Worker::isRunning);
    }

    @Override
    public String describe() {
        return description.get();
    }
}
