package io.audiopipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Samples a process's resident set size (/proc/<pid>/status) every 100 ms and keeps the peak. */
final class RssSampler implements AutoCloseable {
    private final long pid;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peakKb;

    RssSampler(long pid) {
        this.pid = pid;
        this.thread = new Thread(this::sample, "rss-" + pid);
        thread.setDaemon(true);
        thread.start();
    }

    private void sample() {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        while (running) {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:") || line.startsWith("VmRSS:")) {
                        peakKb = Math.max(peakKb, Long.parseLong(line.replaceAll("\\D", "")));
                    }
                }
                Thread.sleep(100);
            } catch (IOException gone) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    double peakMb() {
        return peakKb / 1024.0;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(1_000);
    }
}
