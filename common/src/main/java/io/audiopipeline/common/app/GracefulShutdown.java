package io.audiopipeline.common.app;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * SIGTERM handling for a program: the hook stops the work (which finishes the current job within its
 * grace period), waits for the main thread to close its clients, then ends the JVM with the program's
 * exit status — 0 after a clean stop, where the JVM would otherwise report 143 for the signal.
 *
 * <p>The hook is installed before anything is opened, so a SIGTERM that arrives while the program
 * starts (systemd stopping a unit that is still connecting) is a clean stop too: the service, once
 * wired, is told not to start.
 */
public final class GracefulShutdown {
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final CountDownLatch mainFinished = new CountDownLatch(1);
    private final AtomicInteger exitCode = new AtomicInteger();
    private Runnable stopAndWait;
    private boolean stopRequested;

    /** Installs the hook; call it first thing in {@code main}. */
    public void install(String program) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Runnable stop;
            synchronized (this) {
                stopRequested = true;
                stop = stopAndWait;
            }
            if (stop != null) {
                stop.run();
            }
            try {
                mainFinished.await(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(exitCode.get());
        }, program + "-shutdown"));
    }

    /**
     * Registers how the running service is stopped ({@code stopAndWait} must return once the current
     * work is finished or its grace period is over). Returns false when SIGTERM came first: the
     * service must then not start.
     */
    public synchronized boolean onStop(Runnable stopAndWait) {
        this.stopAndWait = stopAndWait;
        return !stopRequested;
    }

    /** Called by the main thread when it has closed everything; {@code code} is the program's exit status. */
    public void mainFinished(int code) {
        exitCode.set(code);
        mainFinished.countDown();
    }
}
