package io.audiopipeline.common.app;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a worker opens besides its servers (a thread pool, bridges, an export source): closed in reverse order of opening. */
public final class Resources implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Resources.class);

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** Registers {@code resource} to be closed with the program; returns it. */
    public <T extends AutoCloseable> T add(T resource) {
        opened.push(resource);
        return resource;
    }

    /** Registers a thread pool: shut down (its threads interrupted) with the program, waited for briefly; returns it. */
    public <E extends ExecutorService> E executor(E executor) {
        opened.push(new Pool(executor));
        return executor;
    }

    @Override
    public void close() {
        while (!opened.isEmpty()) {
            AutoCloseable resource = opened.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
            }
        }
    }

    private record Pool(ExecutorService executor) implements AutoCloseable {
        private static final long WAIT_SECONDS = 5;

        @Override
        public void close() throws InterruptedException {
            executor.shutdownNow();
            if (!executor.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("a thread pool did not stop within {}s", WAIT_SECONDS);
            }
        }
    }
}
