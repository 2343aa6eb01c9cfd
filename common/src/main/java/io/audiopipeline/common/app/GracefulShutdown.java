package io.audiopipeline.common.app;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * SIGTERM handling for a program: the hook stops the work (which finishes the current job within its
 * grace period), waits for the main thread to close its clients, then ends the JVM with the program's
 * exit status — 0 after a clean stop, where the JVM would otherwise report 143 for the signal.
 */
public final class GracefulShutdown {
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final CountDownLatch mainFinished = new CountDownLatch(1);
    private final AtomicInteger exitCode = new AtomicInteger();

    /** {@code stopAndWait} must return once the current work is finished or its grace period is over. */
    public void install(String program, Runnable stopAndWait) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopAndWait.run();
            try {
                mainFinished.await(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(exitCode.get());
        }, program + "-shutdown"));
    }

    /** Called by the main thread when it has closed everything; {@code code} is the program's exit status. */
    public void mainFinished(int code) {
        exitCode.set(code);
        mainFinished.countDown();
    }
}
